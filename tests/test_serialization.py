"""minigrad.save / minigrad.load: exact round trips, and refusal of anything that could run code."""

from __future__ import annotations

import builtins
import io
import json
import math
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import minigrad
from minigrad.serialization import LoadError

DTYPES = [
    minigrad.float32,
    minigrad.float64,
    minigrad.float16,
    minigrad.int64,
    minigrad.int32,
    minigrad.int16,
    minigrad.int8,
    minigrad.uint8,
    minigrad.bool,
]


def round_trip(obj, **load_kwargs):
    buf = io.BytesIO()
    minigrad.save(obj, buf)
    buf.seek(0)
    return minigrad.load(buf, **load_kwargs)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (0, 3), (2, 3, 4)])
def test_tensor_dtype_and_shape_exact(dtype, shape):
    arr = (np.arange(int(np.prod(shape))).reshape(shape) % 5 - 2).astype(dtype.numpy)
    t = minigrad.tensor(arr, dtype=dtype)
    out = round_trip(t)
    assert isinstance(out, minigrad.Tensor)
    assert out.dtype == dtype and out.shape == t.shape
    np.testing.assert_array_equal(out.numpy(), arr)
    assert out.requires_grad is False


def test_requires_grad_and_views():
    w = minigrad.randn(3, 4, requires_grad=True)
    out = round_trip({"w": w, "wt": w.detach().t(), "y": w * 2})
    assert out["w"].requires_grad and out["w"].is_leaf and out["w"].grad_fn is None
    assert out["y"].requires_grad and out["y"].is_leaf  # saved as a leaf, as torch.save
    np.testing.assert_array_equal(out["wt"].numpy(), w.detach().numpy().T)
    assert not out["wt"].requires_grad


def test_nested_python_values():
    obj = {
        "none": None,
        "t": True,
        "f": False,
        "int": -7,
        "big": 2**80,
        "float": 0.1,
        "nan": math.nan,
        "inf": -math.inf,
        "str": "héllo ✓",
        "bytes": b"\x00\xff",
        "list": [1, [2, (3.5, "x")]],
        "tuple": (),
        "od": OrderedDict([("b", 1), ("a", 2)]),
        5: "int key",
        (1, 2): "tuple key",
        2.5: None,
        "size": minigrad.Size([2, 3]),
        "dtype": minigrad.int64,
    }
    out = round_trip(obj)
    assert list(out) == list(obj)
    assert out["nan"] != out["nan"] and out["inf"] == -math.inf
    del out["nan"], obj["nan"]
    assert out == obj
    assert type(out["od"]) is OrderedDict and list(out["od"]) == ["b", "a"]
    assert type(out["tuple"]) is tuple and type(out["list"][1][1]) is tuple
    assert type(out["size"]) is minigrad.Size and out["dtype"] is minigrad.int64
    assert type(out["big"]) is int and type(out["t"]) is bool


def test_numpy_values():
    obj = [
        np.arange(6, dtype=np.int16).reshape(2, 3),
        np.float32(1.25),
        np.int64(-3),
        np.bool_(True),
    ]
    a, f, i, b = round_trip(obj)
    assert (
        isinstance(a, np.ndarray) and a.dtype == np.int16 and a.tolist() == [[0, 1, 2], [3, 4, 5]]
    )
    assert type(f) is np.float32 and f == np.float32(1.25)
    assert type(i) is np.int64 and i == -3 and type(b) is np.bool_


def test_same_tensor_saved_once_and_shared_after_load():
    t = minigrad.ones(2)
    buf = io.BytesIO()
    minigrad.save({"a": t, "b": [t]}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        assert [n for n in zf.namelist() if n.endswith(".npy")] == ["tensors/0.npy"]
    buf.seek(0)
    out = minigrad.load(buf)
    assert out["a"] is out["b"][0]


def test_paths_and_file_objects(tmp_path):
    sd = OrderedDict(weight=minigrad.randn(2, 2), bias=minigrad.zeros(2))
    minigrad.save(sd, tmp_path / "m.pt")
    minigrad.save(sd, str(tmp_path / "m2.pt"))
    with open(tmp_path / "m3.pt", "wb") as f:
        minigrad.save(sd, f)
    for name in ("m.pt", "m2.pt", "m3.pt"):
        out = minigrad.load(tmp_path / name)
        assert list(out) == ["weight", "bias"]
        np.testing.assert_array_equal(out["weight"].numpy(), sd["weight"].numpy())
    with open(tmp_path / "m.pt", "rb") as f:
        assert minigrad.load(f, weights_only=True)["bias"].tolist() == [0.0, 0.0]


def test_unseekable_stream(tmp_path):
    minigrad.save([minigrad.arange(3)], tmp_path / "a.pt")

    class Stream(io.RawIOBase):
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self.data.readinto(b)

    out = minigrad.load(io.BufferedReader(Stream((tmp_path / "a.pt").read_bytes())))
    assert out[0].tolist() == [0, 1, 2]


def test_map_location():
    t = minigrad.ones(2)
    assert round_trip(t, map_location="cpu").tolist() == [1.0, 1.0]
    assert round_trip(t, map_location={"cuda:0": "cpu"}).tolist() == [1.0, 1.0]
    assert round_trip(t, map_location=lambda storage, loc: storage * 3).tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="map_location='cpu'"):
        round_trip(t, map_location="cuda:0")


def test_optimizer_state_dict_round_trip():
    w = minigrad.tensor([1.0, -2.0], requires_grad=True)
    opt = minigrad.optim.Adam([w], lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    sd = opt.state_dict()
    loaded = round_trip(sd)
    assert loaded["param_groups"] == sd["param_groups"]
    for k, st in sd["state"].items():
        for name, v in st.items():
            lv = loaded["state"][k][name]
            if isinstance(v, minigrad.Tensor):
                assert lv.dtype == v.dtype and lv.shape == v.shape
                np.testing.assert_array_equal(lv.numpy(), v.numpy())
            else:
                assert lv == v and type(lv) is type(v)
    w2 = minigrad.tensor([1.0, -2.0], requires_grad=True)
    opt2 = minigrad.optim.Adam([w2], lr=0.1)
    opt2.load_state_dict(loaded)
    assert opt2.state_dict()["param_groups"] == sd["param_groups"]


def test_module_state_dict_round_trip():
    nn = pytest.importorskip("minigrad.nn")
    if not hasattr(nn, "Sequential") or not hasattr(nn, "Linear"):
        pytest.skip("minigrad.nn has no Sequential/Linear yet")
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    sd = round_trip(model.state_dict())
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    model2 = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    model2.load_state_dict(sd)
    x = minigrad.randn(3, 4)
    np.testing.assert_array_equal(model(x).detach().numpy(), model2(x).detach().numpy())


def test_parameter_comes_back_as_parameter():
    param_mod = pytest.importorskip("minigrad.nn.parameter")
    p = param_mod.Parameter(minigrad.randn(2))
    out = round_trip({"p": p})["p"]
    assert isinstance(out, param_mod.Parameter) and out.requires_grad


def test_format_is_a_zip_with_json_manifest_and_npy():
    buf = io.BytesIO()
    minigrad.save({"x": minigrad.ones(2, dtype=minigrad.float64), "n": 3}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        manifest = json.loads(zf.read("minigrad_manifest.json"))
        arr = np.load(io.BytesIO(zf.read("tensors/0.npy")), allow_pickle=False)
    assert manifest["format"] == "minigrad.save" and manifest["version"] == 1
    assert manifest["root"]["type"] == "dict"
    assert arr.dtype == np.float64 and arr.tolist() == [1.0, 1.0]


def test_save_refuses_unsupported_objects():
    with pytest.raises(TypeError, match="cannot store an object of type"):
        minigrad.save({"f": lambda: 0}, io.BytesIO())
    with pytest.raises(TypeError):
        minigrad.save(np.array([object()]), io.BytesIO())
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        minigrad.save(loop, io.BytesIO())


# -- malicious and malformed files -------------------------------------------------------------


class Evil:
    """Unpickling this creates ``marker`` (proof that code ran)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (builtins.open, (self.marker, "w"))


def test_pickle_payload_is_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"w": Evil(marker)}))
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        minigrad.load(path)
    with pytest.raises(RuntimeError):
        minigrad.load(path, weights_only=False)  # never unpickles, whatever the flag
    assert not marker.exists()


def test_object_array_inside_archive_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    npy = io.BytesIO()
    np.save(npy, np.array([Evil(marker)], dtype=object), allow_pickle=True)
    manifest = {
        "format": "minigrad.save",
        "version": 1,
        "tensors": 1,
        "root": {
            "type": "tensor",
            "id": 0,
            "dtype": "float32",
            "shape": [1],
            "requires_grad": False,
        },
    }
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("minigrad_manifest.json", json.dumps(manifest))
        zf.writestr("tensors/0.npy", npy.getvalue())
    with pytest.raises(LoadError, match="object array"):
        minigrad.load(path)
    assert not marker.exists()


def test_torch_checkpoint_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(pickle.UnpicklingError, match="PyTorch checkpoint"):
        minigrad.load(path)


def test_npy_file_is_refused(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(RuntimeError, match="NumPy .npy file"):
        minigrad.load(tmp_path / "a.npy")


def archive(manifest=None, files=None, raw_manifest=None) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        if raw_manifest is not None or manifest is not None:
            zf.writestr(
                "minigrad_manifest.json",
                raw_manifest if raw_manifest is not None else json.dumps(manifest),
            )
        for name, data in (files or {}).items():
            zf.writestr(name, data)
    buf.seek(0)
    return buf


def npy(arr) -> bytes:
    b = io.BytesIO()
    np.save(b, arr, allow_pickle=False)
    return b.getvalue()


def man(root, n=0):
    return {"format": "minigrad.save", "version": 1, "tensors": n, "root": root}


TENSOR = {"type": "tensor", "id": 0, "dtype": "float32", "shape": [2], "requires_grad": False}


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: io.BytesIO(b"hello world, not a checkpoint"), "not a minigrad checkpoint"),
        (lambda: io.BytesIO(b""), "not a minigrad checkpoint"),
        (lambda: io.BytesIO(b"PK\x03\x04garbage"), "damaged ZIP"),
        (lambda: archive(files={"other.txt": b"x"}), "no minigrad_manifest.json"),
        (lambda: archive(raw_manifest="{not json"), "unreadable manifest"),
        (lambda: archive(raw_manifest="[" * 100000 + "]" * 100000), "manifest|nesting"),
        (lambda: archive({"format": "other", "root": None}), "does not describe"),
        (
            lambda: archive({"format": "minigrad.save", "version": 99, "tensors": 0, "root": None}),
            "version",
        ),
        (lambda: archive(man({"type": "pickle", "value": "cos\nsystem"})), "unknown node type"),
        (lambda: archive(man({"type": "int", "value": "3"})), "integer"),
        (lambda: archive(man({"type": "list", "items": {"a": 1}})), "items"),
        (
            lambda: archive(
                man({"type": "dict", "items": [[{"type": "list", "items": []}, {"type": "none"}]]})
            ),
            "unhashable",
        ),
        (lambda: archive(man(TENSOR, 0)), "out of range"),
        (lambda: archive(man(TENSOR, 1)), "missing"),
        (
            lambda: archive(man(TENSOR, 1), {"tensors/0.npy": npy(np.ones(3, np.float32))}),
            "manifest says",
        ),
        (
            lambda: archive(man(TENSOR, 1), {"tensors/0.npy": npy(np.ones(2, np.float64))}),
            "manifest says",
        ),
        (
            lambda: archive(man(dict(TENSOR, dtype="object"), 1), {"tensors/0.npy": b""}),
            "not allowed",
        ),
        (
            lambda: archive(man(TENSOR, 1), {"tensors/0.npy": b"\x93NUMPY garbage"}),
            "not a valid .npy",
        ),
        (
            lambda: archive(
                man(dict(TENSOR, dtype="int64", requires_grad=True), 1),
                {"tensors/0.npy": npy(np.ones(2, np.int64))},
            ),
            "cannot require gradients",
        ),
        (lambda: archive(man({"type": "dtype", "name": "np"})), "unknown dtype"),
    ],
)
def test_malformed_files_raise_clear_errors(make, match):
    with pytest.raises(LoadError, match=match) as err:
        minigrad.load(make())
    assert isinstance(err.value, RuntimeError) and isinstance(err.value, pickle.UnpicklingError)


def test_truncated_checkpoint(tmp_path):
    minigrad.save({"w": minigrad.randn(100)}, tmp_path / "a.pt")
    data = (tmp_path / "a.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(LoadError):
        minigrad.load(tmp_path / "cut.pt")
