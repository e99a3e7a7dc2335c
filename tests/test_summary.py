"""minigrad.summary: torchsummary's table, text for text, and the returned totals."""
from __future__ import annotations

import minigrad
from minigrad import nn
from minigrad.summary import summary_string

RULE = "-" * 64
DOUBLE = "=" * 64


def three_linears():
    return nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 2), nn.Linear(2, 2))


def test_reference_table_text(capsys):
    totals = minigrad.summary(three_linears(), input_size=(3,), batch_size=5)
    out = capsys.readouterr().out
    assert out == "\n".join([
        RULE,
        "        Layer (type)               Output Shape         Param #",
        DOUBLE,
        "            Linear-1                     [5, 3]              12",
        "            Linear-2                     [5, 2]               8",
        "            Linear-3                     [5, 2]               6",
        DOUBLE,
        "Total params: 26",
        "Trainable params: 26",
        "Non-trainable params: 0",
        RULE,
        "Input size (MB): 0.00",
        "Forward/backward pass size (MB): 0.00",
        "Params size (MB): 0.00",
        "Estimated Total Size (MB): 0.00",
        RULE,
    ]) + "\n\n"
    assert totals["total_params"] == 26 and totals["trainable_params"] == 26
    assert totals["non_trainable_params"] == 0
    # 4 bytes a number: 26 params; outputs (15 + 10 + 10) x 2 for gradients; input 5 x 3
    assert totals["params_size_mb"] == 26 * 4 / 1024 ** 2
    assert totals["forward_backward_size_mb"] == 2 * 35 * 4 / 1024 ** 2
    assert totals["input_size_mb"] == 15 * 4 / 1024 ** 2


def test_rows_tokens_and_default_batch_size():
    text, _ = summary_string(three_linears(), (3,))
    rows = [line.split() for line in text.splitlines() if line.strip().startswith("Linear-")]
    assert rows == [["Linear-1", "[-1,", "3]", "12"], ["Linear-2", "[-1,", "2]", "8"],
                    ["Linear-3", "[-1,", "2]", "6"]]


class Net(nn.Module):
    """A custom top-level module: torchsummary lists it last, with 0 params."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.act = nn.ReLU()
        self.frozen = nn.Linear(4, 10)
        self.frozen.requires_grad_(False)

    def forward(self, x):
        return self.frozen(self.act(self.fc(x)))


def test_custom_module_frozen_layer_and_large_counts():
    text, totals = summary_string(Net(), (8,))
    rows = [line.split() for line in text.splitlines()[3:7]]
    assert rows == [["Linear-1", "[-1,", "4]", "36"], ["ReLU-2", "[-1,", "4]", "0"],
                    ["Linear-3", "[-1,", "10]", "50"], ["Net-4", "[-1,", "10]", "0"]]
    assert "Total params: 86\nTrainable params: 36\nNon-trainable params: 50\n" in text
    assert (totals["total_params"], totals["trainable_params"]) == (86, 36)
    big = nn.Sequential(nn.Linear(1000, 1000))
    text, _ = summary_string(big, (1000,))
    assert "Total params: 1,001,000" in text and "1,001,000" in text.splitlines()[3]
    assert "Params size (MB): 3.82" in text


def test_hooks_removed_and_multiple_inputs():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 3)
            self.b = nn.Linear(4, 3)

        def forward(self, x, y):
            return self.a(x) + self.b(y)

    model = Two()
    text, totals = summary_string(model, [(2,), (4,)], dtypes=[minigrad.float32] * 2)
    assert totals["total_params"] == 9 + 15
    assert all(not m._forward_hooks for m in model.modules())
    assert "Two-3" in text
