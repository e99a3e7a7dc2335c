"""Bad optimizer arguments raise ValueError with PyTorch's messages."""

import pytest

import minigrad as mg
from minigrad import optim


def _p():
    return mg.tensor([1.0, 2.0], requires_grad=True)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda ps: optim.SGD(ps, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda ps: optim.SGD(ps, lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
        (
            lambda ps: optim.SGD(ps, lr=0.1, weight_decay=-1e-4),
            "Invalid weight_decay value: -0.0001",
        ),
        (
            lambda ps: optim.SGD(ps, lr=0.1, nesterov=True),
            "Nesterov momentum requires a momentum and zero dampening",
        ),
        (
            lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            "Nesterov momentum requires a momentum and zero dampening",
        ),
        (lambda ps: optim.Adam(ps, lr=-1e-3), "Invalid learning rate: -0.001"),
        (lambda ps: optim.Adam(ps, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
        (lambda ps: optim.Adam(ps, betas=[0.9, -0.1]), "Invalid beta parameter at index 1: -0.1"),
        (lambda ps: optim.Adam(ps, eps=-1e-8), "Invalid epsilon value: -1e-08"),
        (lambda ps: optim.Adam(ps, weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
        (lambda ps: optim.AdamW(ps, betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
        (lambda ps: optim.Adagrad(ps, lr_decay=-1.0), "Invalid lr_decay value: -1.0"),
        (
            lambda ps: optim.Adagrad(ps, initial_accumulator_value=-1.0),
            "Invalid initial_accumulator_value value: -1.0",
        ),
        (lambda ps: optim.Adagrad(ps, eps=-1.0), "Invalid epsilon value: -1.0"),
        (lambda ps: optim.RMSprop(ps, alpha=-0.9), "Invalid alpha value: -0.9"),
        (lambda ps: optim.RMSprop(ps, momentum=-0.9), "Invalid momentum value: -0.9"),
        (lambda ps: optim.RMSprop(ps, eps=-1.0), "Invalid epsilon value: -1.0"),
        (lambda ps: optim.Adadelta(ps, rho=1.1), "Invalid rho value: 1.1"),
        (lambda ps: optim.Adamax(ps, betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
        (lambda ps: optim.NAdam(ps, momentum_decay=-1.0), "Invalid momentum_decay value: -1.0"),
        (lambda ps: optim.RAdam(ps, lr=-2.0), "Invalid learning rate: -2.0"),
    ],
)
def test_invalid_hyperparameters(make, message):
    with pytest.raises(ValueError) as info:
        make([_p()])
    assert str(info.value) == message


@pytest.mark.parametrize(
    "cls",
    [
        optim.SGD,
        optim.Adam,
        optim.AdamW,
        optim.Adagrad,
        optim.RMSprop,
        optim.Adadelta,
        optim.Adamax,
        optim.NAdam,
        optim.RAdam,
    ],
)
def test_empty_parameter_list(cls):
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        cls([], lr=0.1)
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        cls((p for p in []), lr=0.1)


def test_non_leaf_parameter():
    w = _p()
    y = w * 2
    with pytest.raises(ValueError, match="^can't optimize a non-leaf Tensor$"):
        optim.SGD([y], lr=0.1)
    with pytest.raises(ValueError, match="^can't optimize a non-leaf Tensor$"):
        optim.Adam([{"params": [w, y]}])


def test_parameter_in_two_groups():
    w = _p()
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": w}, {"params": [w]}], lr=0.1)
