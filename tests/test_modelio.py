import io
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mlp_core
from mlp_core import ModelFileError, load_model
from mlp_core.modelio import MAX_MODEL_BYTES, model_from_bytes, model_to_bytes
from mlp_core.model import Model
from mlp_core.nn import Sequential


def make_model(dtype="float32", sizes=(784, 32, 10), seed=0):
    network = Sequential.mlp(list(sizes), "he", np.random.default_rng(seed), dtype)
    return Model(network, input_mean=0.13, input_std=0.31, metadata={"recipe": {"name": "test"}, "epochs": 3})


def arrays_of(data):
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def npz_bytes(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_gives_identical_predictions(tmp_path, dtype):
    model = make_model(dtype)
    x = np.random.default_rng(1).random((50, 784))
    path = tmp_path / "model.npz"
    mlp_core.save_model(model, path)
    loaded = mlp_core.load_model(path)
    assert loaded.sizes == [784, 32, 10] and loaded.dtype == np.dtype(dtype)
    assert loaded.metadata == model.metadata
    assert (loaded.input_mean, loaded.input_std) == (model.input_mean, model.input_std)
    assert np.array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert np.array_equal(loaded.predict(x), model.predict(x))
    probs = loaded.predict_proba(x)
    assert probs.shape == (50, 10) and np.allclose(probs.sum(axis=1), 1, rtol=1e-5)
    assert model_to_bytes(model_from_bytes(model_to_bytes(model))) == model_to_bytes(model)


def test_predict_refuses_wrong_input_shape_and_integer_pixels():
    model = make_model()
    with pytest.raises(ValueError, match=r"\(N, 784\)"):
        model.predict_proba(np.zeros((3, 100)))
    with pytest.raises(ValueError, match="float"):
        model.predict(np.zeros((3, 784), dtype=np.uint8))


def replaced(data, **changes):
    arrays = arrays_of(data)
    arrays.update(changes)
    return npz_bytes({k: v for k, v in arrays.items() if v is not None})


def header_with(data, **changes):
    import json

    header = json.loads(arrays_of(data)["model_json"].tobytes())
    header.update(changes)
    return replaced(data, model_json=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))


def bad_files():
    good = model_to_bytes(make_model())
    weights = arrays_of(good)["weights_0"]
    nan_weights = weights.copy()
    nan_weights[3, 4] = np.nan
    inf_biases = arrays_of(good)["biases_1"].copy()
    inf_biases[0] = np.inf
    pickled = io.BytesIO()
    np.savez(pickled, **{**arrays_of(good), "weights_0": np.array([weights, "x"], dtype=object)})
    return {
        "empty": (b"", "not even an .npz archive"),
        "text": (b"hello, I am not a model", "not even an .npz archive"),
        "raw pickle": (pickle.dumps({"weights": weights}), "not even an .npz archive"),
        "truncated": (good[: len(good) // 2], "damaged"),
        "truncated tail": (good[:-10], "damaged"),
        "wrong shape": (replaced(good, weights_0=weights[:, :20]), "shape"),
        "wrong dtype": (replaced(good, weights_0=weights.astype(np.float64)), "float32"),
        "nan weights": (replaced(good, weights_0=nan_weights), "NaN"),
        "inf biases": (replaced(good, biases_1=inf_biases), "NaN or infinite"),
        "finite but huge weights": (replaced(good, weights_0=np.full_like(weights, 3e38)), "can overflow"),
        "huge last layer": (replaced(good, weights_1=arrays_of(good)["weights_1"] * np.float32(1e37)), "can overflow"),
        "pickled object array": (pickled.getvalue(), "damaged"),
        "missing array": (replaced(good, biases_1=None), "missing"),
        "extra array": (replaced(good, extra=np.zeros(3)), "unexpected"),
        "no header": (replaced(good, model_json=None), "not a model saved by this app: it has no model description"),
        "header not json": (replaced(good, model_json=np.frombuffer(b"{nope", dtype=np.uint8)), "JSON"),
        "other input size": (header_with(good, sizes=[100, 32, 10]), "100 inputs"),
        "other format": (header_with(good, format="something.else"), "not an mlp_core.model"),
        "bad std": (header_with(good, input_std=0), "positive std"),
        "newer version": (header_with(good, version=99), "version"),
    }


@pytest.mark.parametrize("case", sorted(bad_files()))
def test_bad_files_are_refused_with_a_clear_error(tmp_path, case):
    data, message = bad_files()[case]
    path = tmp_path / "bad.npz"
    path.write_bytes(data)
    with pytest.raises(ModelFileError, match=message):
        load_model(path)
    with pytest.raises(ModelFileError, match=message):
        model_from_bytes(data)


def test_oversized_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.npz"
    with open(path, "wb") as f:
        f.truncate(MAX_MODEL_BYTES + 1)  # sparse: no need to write 20 MB
    with pytest.raises(ModelFileError, match="at most 21 MB"):
        load_model(path)


def test_missing_file_is_a_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match="cannot read"):
        load_model(tmp_path / "absent.npz")
    assert issubclass(ModelFileError, ValueError)


def test_loader_never_unpickles(tmp_path, monkeypatch):
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("pickle.loads was called"))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("pickle.load was called"))
    with pytest.raises(ModelFileError):
        model_from_bytes(bad_files()["pickled object array"][0])


GOOD = model_to_bytes(make_model(sizes=(784, 8, 10)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_fuzz_random_bytes_only_raise_model_file_error(data):
    with pytest.raises(ModelFileError):
        model_from_bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(1, len(GOOD)),
)
def test_fuzz_mutated_model_only_raises_model_file_error(mutations, keep):
    data = bytearray(GOOD[:keep])
    for position, value in mutations:
        if position < len(data):
            data[position] = value
    try:
        model = model_from_bytes(bytes(data))
    except ModelFileError:
        return
    # A mutation the format cannot notice (e.g. in zip padding) must still give a working model.
    probs = model.predict_proba(np.full((2, 784), 0.5))
    assert probs.shape == (2, 10) and np.all(np.isfinite(probs))


def test_output_bound_holds_and_a_model_that_would_answer_nan_is_never_written():
    from mlp_core.modelio import check_outputs, output_bound

    model = make_model()
    x = np.random.default_rng(1).random((64, model.sizes[0])).astype(model.dtype)
    assert np.abs(model.logits(x)).max() <= output_bound(model)
    assert check_outputs(model, "m") is model
    model.network.dense_layers()[0].weights[:] = 3e38  # finite, yet every output overflows to inf / NaN
    with pytest.raises(ModelFileError, match="can overflow"):
        model_to_bytes(model)
