"""The page worker's Python side (web/py/worker_api.py), run in CPython on a small synthetic data set."""
import functools

import numpy as np
import pytest

import worker_api
from mlp_core import digitsio, finetune, modelio
from mlp_core.data import encode_shard
from mlp_core.deskew import deskew
from mlp_core.mnist import INPUT_SIZE
from mlp_core.model import Model
from mlp_core.nn import Sequential
from mlp_core.trainer import Trainer, pixel_counts

VALIDATION = worker_api.RECIPES["fast"].validation_size
SHARD = 2_000
TRAIN_COUNT = VALIDATION + 2 * SHARD  # the held-out images plus a little to train on
TEST_COUNT = 300                      # not MNIST's 10,000: the counts must come from the manifest


@functools.lru_cache(maxsize=None)
def _split(split):
    """A split's images and labels: ink density grows with the label, so a small network can learn them."""
    rng = np.random.default_rng({"train": 0, "test": 1}[split])
    count = {"train": TRAIN_COUNT, "test": TEST_COUNT}[split]
    labels = rng.integers(0, 10, size=count).astype(np.uint8)
    images = (rng.random((count, INPUT_SIZE)) < 0.1 + 0.05 * labels[:, None]).astype(np.uint8) * 255
    return images, labels


def _shard_images(shard):
    images, labels = _split(shard["split"])
    rows = slice(shard["start"], shard["start"] + shard["count"])
    return (deskew(images[rows]) if shard["upright"] else images[rows]), labels[rows]


def _manifest():
    """The build's layout (buildlib/shards.py): training shards as drawn, the test shard, deskewed training shards;
    each training shard with the histogram of its pixels."""
    shards = [{"file": f"train-{i:02d}{'.upright' if upright else ''}.bin.gz", "split": "train", "start": start,
               "count": min(SHARD, TRAIN_COUNT - start), "upright": upright}
              for upright in (False, True) for i, start in enumerate(range(0, TRAIN_COUNT, SHARD))]
    shards.insert(len(shards) // 2, {"file": "test-00.bin.gz", "split": "test", "start": 0, "count": TEST_COUNT,
                                     "upright": False})
    for shard in shards:
        if shard["split"] == "train":
            shard["pixel_counts"] = pixel_counts(_shard_images(shard)[0]).tolist()
    return {"train_count": TRAIN_COUNT, "test_count": TEST_COUNT, "shards": shards}


def _shard_bytes(shard):
    return encode_shard(*_shard_images(shard))


@pytest.fixture
def session(monkeypatch):
    """A fresh worker session that has read the manifest."""
    monkeypatch.setattr(worker_api, "_session", worker_api._Session())
    manifest = _manifest()
    worker_api.set_manifest(manifest)
    return manifest


def _load_all_shards(manifest):
    for shard in manifest["shards"]:
        worker_api.add_shard(shard, _shard_bytes(shard))


def _config(**changes):
    config = {"recipe": "fast", "hidden": [32], "optimizer": "adamw", "lr": 0.003, "batch": 64, "epochs": 1, "train_size": 1_000}
    return {**config, **changes}


def test_form_limits_come_from_the_worker_and_modelio(session):
    recipes = worker_api.recipes()
    assert recipes["limits"]["model_bytes"] == modelio.MAX_MODEL_BYTES
    assert recipes["limits"]["units"] == worker_api.MAX_UNITS
    assert recipes["limits"]["digits_bytes"] == digitsio.MAX_FILE_BYTES and recipes["limits"]["digits"] == digitsio.MAX_DIGITS
    assert recipes["presets"]["fast"]["max_train_size"] == TRAIN_COUNT - VALIDATION


def test_a_network_too_big_to_reload_is_refused_with_a_clear_message(session):
    widest = [worker_api.MAX_UNITS] * worker_api.MAX_HIDDEN_LAYERS
    with pytest.raises(ValueError, match=rf"MB of weights.*at most {modelio.MAX_MODEL_BYTES // 2**20} MB"):
        worker_api.check_config(_config(hidden=widest))


def test_the_biggest_accepted_network_saves_to_a_file_that_loads(session):
    # Grow one hidden layer until the worker refuses it; the last accepted size must round-trip.
    accepted = None
    for units in range(1, worker_api.MAX_UNITS + 1, 1):
        sizes = [units] * worker_api.MAX_HIDDEN_LAYERS
        try:
            worker_api.check_config(_config(hidden=sizes))
        except ValueError:
            break
        accepted = sizes
    assert accepted is not None and accepted[0] < worker_api.MAX_UNITS, "the form limits allow a refused size"
    network = Sequential.mlp((INPUT_SIZE, *accepted, 10), "he", np.random.default_rng(0), "float32")
    data = modelio.model_to_bytes(Model(network, input_mean=0.0, input_std=1.0))
    assert list(modelio.model_from_bytes(data).sizes) == [INPUT_SIZE, *accepted, 10]


@pytest.mark.parametrize("change, message", [
    ({"recipe": "nonsense"}, "unknown recipe"),
    ({"train_size": TRAIN_COUNT}, "training images"),
    ({"hidden": []}, "hidden layers"),
    ({"batch": 0}, "batch size"),
])
def test_bad_requests_are_refused_before_any_download(session, change, message):
    with pytest.raises(ValueError, match=message):
        worker_api.shards_needed(session, {"purpose": "train", **_config(**change)})


def test_a_deskewing_run_reads_the_deskewed_shards_and_their_pixel_counts(session):
    """A run that deskews downloads the deskewed training shards, not the drawn ones, and takes its input statistics
    from their manifest entries: as if the Trainer had deskewed and counted the images itself."""
    files = worker_api.shards_needed(session, {"purpose": "train", **_config()})["files"]
    assert "train-00.upright.bin.gz" in files and "train-00.bin.gz" not in files and "test-00.bin.gz" in files
    tutorial = worker_api.shards_needed(session, {"purpose": "train", **_config(recipe="tutorial")})["files"]
    assert "train-00.bin.gz" in tutorial and not any(".upright" in file for file in tutorial)
    _load_all_shards(session)
    train = ("train", 0, 3 * SHARD // 2)  # across two shards
    np.testing.assert_array_equal(worker_api._images(*train, upright=True)[0], deskew(worker_api._images(*train)[0]))
    assert worker_api._pixel_counts(*train, upright=True) is None  # half a shard: its histogram does not say
    worker_api.start_run(_config(train_size=2 * SHARD))
    trainer = worker_api._session.trainer
    np.testing.assert_array_equal(trainer.train_x, deskew(worker_api._images("train", 0, 2 * SHARD)[0]))
    assert worker_api._pixel_counts("train", 0, 2 * SHARD, True).sum() == 2 * SHARD * INPUT_SIZE
    own = Trainer(trainer.recipe, trainer.train_x, trainer.train_y, upright=True)  # counts the pixels itself
    assert (trainer.model.input_mean, trainer.model.input_std) == (own.model.input_mean, own.model.input_std)


@pytest.mark.parametrize("recipe, form", [("tutorial", ""), ("fast", ".upright")])
def test_shards_needed_covers_the_training_range_the_test_split_and_validation(session, recipe, form):
    files = worker_api.shards_needed(session, {"purpose": "train", **_config(recipe=recipe)})["files"]
    held_out = range((TRAIN_COUNT - VALIDATION) // SHARD, TRAIN_COUNT // SHARD)
    # images 2,000-3,999 (train-01) are neither trained on (train_size 1,000) nor held out
    assert sorted(files) == sorted([f"train-00{form}.bin.gz", "test-00.bin.gz"] + [f"train-{i:02d}{form}.bin.gz" for i in held_out])


def test_offline_sizes_are_those_whose_every_shard_is_cached_or_loaded(session):
    sizes = sorted(set(worker_api.recipes()["train_sizes"]) | {_config()["train_size"]})  # the form's list, and its own
    assert worker_api.offline_sizes(session, _config(), [])["train_sizes"] == []
    everything = [s["file"] for s in session["shards"]]
    assert worker_api.offline_sizes(session, _config(), everything)["train_sizes"] == sizes
    # The first training shard, the validation and the test set: the sizes that fit in one shard only.
    first = worker_api.shards_needed(session, {"purpose": "train", **_config(train_size=SHARD)})["files"]
    assert worker_api.offline_sizes(session, _config(), first)["train_sizes"] == [n for n in sizes if n <= SHARD]
    # A size typed in, not in the list: said when its shards are there (the page refuses it offline when not).
    assert SHARD - 1 in worker_api.offline_sizes(session, _config(train_size=SHARD - 1), first)["train_sizes"]
    assert SHARD + 1 not in worker_api.offline_sizes(session, _config(train_size=SHARD + 1), first)["train_sizes"]


def test_an_uploaded_files_accuracy_is_its_claim_until_measured(session):
    _load_all_shards(session)
    network = Sequential.mlp((INPUT_SIZE, 16, 10), "he", np.random.default_rng(0), "float32")
    data = modelio.model_to_bytes(Model(network, metadata={"test_accuracy": 1.0}))
    info = worker_api.import_model(data, {"kind": "uploaded", "name": "x.npz"})["model"]
    assert info["metadata"]["claimed_test_accuracy"] == 1.0 and "test_accuracy" not in info["metadata"]
    measured = worker_api.measure()["model"]["metadata"]["test_accuracy"]
    x, y = worker_api._images("test", 0, TEST_COUNT)
    assert measured == Model(network).accuracy(x, y) < 0.5  # an untrained network, whatever its file says


def test_plan_comes_from_the_trainer_even_when_the_batch_exceeds_the_training_set(session):
    _load_all_shards(session)
    plan = worker_api.start_run(_config(train_size=200, batch=4096))
    trainer = worker_api._session.trainer
    started, share = plan["started"], plan["share"]
    assert share["max_rows"] == trainer.batch_size == 200
    assert started["steps_per_epoch"] == trainer.steps_per_epoch == 1
    assert started["total_samples"] == trainer.total_steps * trainer.batch_size == 200
    assert started["validation_size"] == VALIDATION


def test_abandon_run_drops_the_run_and_keeps_the_active_model(session):
    _load_all_shards(session)
    before = worker_api._session.model
    worker_api.start_run(_config())
    worker_api.abandon_run()
    assert worker_api._session.trainer is None
    assert worker_api._session.model is before
    worker_api.start_run(_config())  # a new run can start


def test_finish_and_inspect_use_the_test_split_size_of_the_manifest(session):
    _load_all_shards(session)
    worker_api.start_run(_config(train_size=500, epochs=1))
    while not worker_api.train_chunk(5.0)["progress"]["done"]:
        pass
    summary = worker_api.finish_run(False)
    assert summary["test_images"] == TEST_COUNT
    assert summary["test_acc"] * TEST_COUNT == pytest.approx(round(summary["test_acc"] * TEST_COUNT))
    result = worker_api.inspect(10)
    assert result["confusion"].dtype == np.int32  # worker.js reads it as an Int32Array
    assert result["confusion"].sum() == result["test_images"] == TEST_COUNT
    assert result["count"] == 10


def test_the_page_trains_with_the_fast_variants(session):
    # Pyodide's numpy has no BLAS: the page picks its layouts, blank columns and the fused AdamW explicitly.
    from mlp_core.fast import PYODIDE, FastGradients, FusedAdamW, SplitGradients

    _load_all_shards(session)
    worker_api.start_run(_config())
    trainer = worker_api._session.trainer
    assert isinstance(trainer.gradients, SplitGradients) and isinstance(trainer.gradients.local, FastGradients)
    assert trainer.gradients.local.products is PYODIDE and trainer.gradients.local.skip_blank_columns
    assert isinstance(trainer.optimizer, FusedAdamW)


def test_helpers_join_a_run_and_can_be_dropped(session):
    from test_helper_share import Link  # the stand-in for the shared buffer and the helper behind it

    _load_all_shards(session)
    share = worker_api.start_run(_config(train_size=1_000, epochs=2))["share"]
    assert share["sizes"] == [INPUT_SIZE, 32, 10] and share["dtype"] == "float32"
    assert share["parameters"] == INPUT_SIZE * 32 + 32 + 32 * 10 + 10
    links = [Link(share["sizes"], share["dtype"], share["max_rows"], index=i) for i in (0, 1)]
    worker_api.use_helpers(links[:1])
    for _ in range(6):
        progress = worker_api.train_chunk(0.0)["progress"]  # one step per chunk
    assert progress["samples_seen"] == 6 * share["max_rows"]
    assert progress["workers"] == 1 and progress["trying"] == 2  # the first trial is still going
    assert progress["shared_steps"] == len(links[0].shares) == 3  # it alternates split and alone steps
    first = worker_api._session.trainer.gradients.helpers[0]
    worker_api.use_helpers(links)  # the second helper is ready: it joins, the first keeps its end
    assert worker_api._session.trainer.gradients.helpers[0] is first
    progress = worker_api.train_chunk(0.0)["progress"]
    assert len(links[1].shares) == 0 and progress["trying"] == 2  # the running trial goes on first
    links[0].fail = True  # the first fails on its next share: the run goes on with the other
    while not links[0].error:
        chunk = worker_api.train_chunk(0.0)
    assert chunk["helper_errors"] == [{"index": 0, "message": links[0].error}]
    assert [h.index for h in worker_api._session.trainer.gradients.helpers] == [1]
    worker_api.use_helpers([])  # the other failed between chunks (it crashed)
    while not (chunk := worker_api.train_chunk(5.0))["progress"]["done"]:
        assert chunk["helper_errors"] == []
    assert chunk["progress"]["workers"] is None and chunk["progress"]["trying"] is None


def test_call_returns_named_fields_with_plain_numbers(session):
    _load_all_shards(session)
    worker_api.start_run(_config(train_size=500))
    chunk = worker_api.call("train_chunk", {"seconds": 0.0})
    progress = chunk["progress"]
    assert set(progress) == set(worker_api.EVENTS["progress"])
    assert progress["epoch"] == 1 and progress["epochs"] == 1 and progress["measuring"] is False
    assert all(type(loss) is float for loss in progress["losses"])  # NumPy scalars would reach JS as typed arrays
    while not (chunk := worker_api.call("train_chunk", {"seconds": 5.0}))["progress"]["done"]:
        pass
    (result,) = chunk["epochs"]  # the page adds the model's info and bytes to make the `epoch` event
    assert set(result) | {"model", "model_bytes"} == set(worker_api.EVENTS["epoch"]) and result["epoch"] == 1


def test_a_failed_call_says_why_and_names_the_kind(session):
    reply = worker_api.call("check_config", {"config": _config(recipe="nonsense")})
    assert reply == {"failure": {"message": "unknown recipe 'nonsense'", "kind": "ValueError"}}
    bad_file = worker_api.call("import_model", {"data": b"not a model", "source": {"kind": "uploaded"}})
    assert set(bad_file["failure"]) == set(worker_api.FAILURE) and bad_file["failure"]["kind"] == "ModelFileError"
    assert "Traceback" not in bad_file["failure"]["message"]


def test_predict_without_ink_reads_nothing(session):
    blank = np.zeros(28 * 28, np.float32)
    assert worker_api.call("predict", {"ink": blank, "width": 28, "height": 28}) == dict.fromkeys(worker_api.COMMANDS["predict"]["reply"])


def test_predict_gives_the_verdict_with_calibrated_probabilities(session):
    model = Model(Sequential.mlp([INPUT_SIZE, 16, 10], "he", np.random.default_rng(0), "float32"),
                  metadata={"temperature": 3.0})
    worker_api.load_pretrained(modelio.model_to_bytes(model))
    dash = np.zeros((280, 280), np.float32)
    dash[135:145, 40:240] = 1.0
    reply = worker_api.call("predict", {"ink": dash.tobytes(), "width": 280, "height": 280})
    image = reply["image"].reshape(1, INPUT_SIZE)
    np.testing.assert_allclose(reply["probs"], model.predict_proba(image)[0], rtol=1e-5)
    order = np.argsort(-reply["probs"])
    assert (reply["digit"], reply["runner_up"]) == (order[0], order[1])
    assert reply["unsure"] is True and reply["reason"] == "flat"


def _own_digits(count=12, label=3):
    """A writer's style unlike any of _split's classes (ink in the top half only, none in the bottom)."""
    rng = np.random.default_rng(9)
    images = (rng.random((count, INPUT_SIZE)) < 0.5).astype(np.uint8) * 255
    images[:, INPUT_SIZE // 2:] = 0
    return images.reshape(-1), np.full(count, label, np.uint8)


def test_finetune_makes_the_tuned_model_active_and_reports_before_and_after(session, monkeypatch):
    _load_all_shards(session)
    # An untrained 16-unit model learns far more slowly than the shipped one the page's settings were chosen for.
    monkeypatch.setattr(worker_api, "Finetune", functools.partial(finetune.Finetune, steps=300, own_share=0.2,
                                                                  recipe=finetune.FINETUNE.replace(lr=0.05)))
    before = worker_api._session.model = worker_api._session.pretrained = Model(
        Sequential.mlp([INPUT_SIZE, 16, 10], "he", np.random.default_rng(0), "float32"))
    images, labels = _own_digits()
    assert worker_api.start_finetune(images, labels, "firm")["steps"] > 0
    while not (chunk := worker_api.finetune_chunk(1.0))["done"]:
        assert chunk["progress"]["step"] <= chunk["progress"]["steps"]
    done = worker_api.finish_finetune(False)
    assert done["taught"] == 10 and done["held_out"] == 2  # each label's every 5th digit is held out
    assert done["strength"] == "firm" and done["model"]["metadata"]["finetuned"]["own_share"] == 0.2  # the given share wins
    assert done["own_after"] == 1.0 and "mnist_after" not in done  # measured next, while the tuned model answers
    # The 10 it learned from, read as labelled, before and after: what Model.accuracy counts.
    teach, x = finetune.hold_out(labels)[0], images.reshape(-1, INPUT_SIZE)
    assert done["taught_read_before"] == before.accuracy(x[teach], labels[teach])
    assert done["taught_read_after"] == worker_api._session.model.accuracy(x[teach], labels[teach])
    assert worker_api._session.model is not before
    # How it was made, as the page names it at once (model-name.js): all 12 digits given, firmly.
    assert done["model"]["source"] == {"kind": "tuned", "digits": 12, "strength": "firm"}
    assert done["model"]["metadata"]["finetuned"]["digits"] == 10 and "test_accuracy" not in done["model"]["metadata"]
    # Calibrated anew on held-out training images (mlp_core.finetune.recalibrate), not the base model's fit.
    assert done["model"]["metadata"]["calibration_images"] == 2 * finetune.CALIBRATION_IMAGES
    # The MNIST test measure, a chunk at a time (inked-pixel products), counts what Model.accuracy counts.
    monkeypatch.setattr(worker_api, "EVAL_CHUNK", 128)
    calls = 1
    while not (measured := worker_api.measure_tuned_chunk(0.0))["done"]:
        assert measured["mnist_after"] is None
        calls += 1
    tuned = worker_api._session.model
    assert calls == 3 and worker_api._session.measuring is None  # 300 test images in chunks of 128
    test_x, test_y = worker_api._images("test", 0, TEST_COUNT)
    assert measured["mnist_after"] == tuned.metadata["test_accuracy"] == tuned.accuracy(test_x, test_y)
    # What the drop is made of: the original model read the same images, right before and wrong after.
    assert measured["mnist_lost"] == finetune.newly_misread(test_y, *(m.predict(test_x / np.float32(255)) for m in (before, tuned)))
    assert worker_api.model_info()["model"]["metadata"]["test_accuracy"] == measured["mnist_after"]
    # The report travels with the tuned model (a reload shows it again): tune_done's figures and MNIST after.
    figures = {**done, "mnist_after": measured["mnist_after"], "mnist_lost": measured["mnist_lost"]}
    assert tuned.metadata["finetuned"]["report"] == {k: figures[k] for k in finetune.REPORT_FIELDS}
    shown = worker_api.model_info()["model"]["report"]  # what the page shows, and how firmly it learned
    assert shown == {**tuned.metadata["finetuned"]["report"], "strength": "firm"}
    # Tuned again from the tuned model: its MNIST test reads, taken just above, are not taken twice.
    inferred = []
    monkeypatch.setattr(worker_api, "_inference", lambda model, read=worker_api._inference: inferred.append(model) or read(model))
    worker_api.start_finetune(images, labels)
    while not worker_api.finetune_chunk(1.0)["done"]:
        pass
    worker_api.finish_finetune(False)
    while not (again := worker_api.measure_tuned_chunk(0.0))["done"]:
        pass
    retuned = worker_api._session.model
    assert inferred == [retuned]
    assert again["mnist_lost"] == finetune.newly_misread(test_y, *(m.predict(test_x / np.float32(255)) for m in (tuned, retuned)))


def test_the_calibration_deformed_before_the_click_is_what_a_tuning_is_calibrated_on(session):
    _load_all_shards(session)
    calls = 1
    while not worker_api.call("prepare_calibration", {"seconds": 0.0})["done"]:  # a chunk per call, the pad answered between
        calls += 1
    assert calls == finetune.CALIBRATION_IMAGES // finetune.CALIBRATION_CHUNK
    prepared = worker_api._session.calibration
    worker_api._session.model = Model(Sequential.mlp([INPUT_SIZE, 16, 10], "he", np.random.default_rng(0), "float32"))
    worker_api.start_finetune(*_own_digits())
    while not worker_api.finetune_chunk(1.0)["done"]:
        pass
    worker_api.finish_finetune(False)
    tuned = worker_api._session.model
    assert worker_api._session.calibration is prepared and prepared.ready
    # The same fit as from images deformed at the click: what is made ahead does not depend on the model.
    at_click = finetune.Calibration(*worker_api._images(*worker_api._calibration_range()))
    fitted = finetune.recalibrate(finetune.copy_model(tuned), at_click).metadata
    assert tuned.metadata["temperature"] == pytest.approx(fitted["temperature"], rel=1e-4)
    assert tuned.metadata["min_energy"] == pytest.approx(fitted["min_energy"], rel=1e-4)


def test_a_stopped_finetune_keeps_the_model(session):
    _load_all_shards(session)
    before = worker_api._session.model = Model(Sequential.mlp([INPUT_SIZE, 16, 10], "he", np.random.default_rng(0), "float32"))
    worker_api.start_finetune(*_own_digits())
    worker_api.finetune_chunk(0.01)
    done = worker_api.finish_finetune(True)
    assert done["stopped"] and done["own_after"] is None and done["taught_read_after"] is None and worker_api._session.model is before
    assert worker_api._session.tuning is None and done["strength"] == "gentle"
    images, labels = _own_digits()
    refused = worker_api.call("start_finetune", {"images": images, "labels": labels, "strength": "harder"})["failure"]
    assert refused == {"message": "strength must be one of gentle, firm, got 'harder'", "kind": "ValueError"}
    assert worker_api._session.tuning is None and worker_api._session.model is before


def test_after_its_steps_a_tuning_recalibrates_a_chunk_at_a_time_and_a_stop_while_measuring_keeps_the_model(session, monkeypatch):
    _load_all_shards(session)
    worker_api.prepare_calibration(0.0)  # one chunk made ahead: the click makes the others
    before = worker_api._session.model = Model(Sequential.mlp([INPUT_SIZE, 16, 10], "he", np.random.default_rng(0), "float32"))
    worker_api._session.source = {"kind": "saved", "id": "mine"}
    worker_api.start_finetune(*_own_digits())
    while not worker_api.finetune_chunk(1.0)["done"]:
        pass
    progress = []
    while not (chunk := worker_api.call("calibrate_tuned_chunk", {"seconds": 0.0}))["done"]:  # the worker answers Stop in between
        progress.append(chunk["progress"])
    progress.append(chunk["progress"])
    assert worker_api._session.model is before, "the tuned model answers only from tune_done on"
    left = finetune.CALIBRATION_IMAGES // finetune.CALIBRATION_CHUNK - 1
    logits = -(-2 * finetune.CALIBRATION_IMAGES // finetune.EVAL_CHUNK)
    assert [(p["phase"], p["step"], p["loss"]) for p in progress] == [("calibrate", n, None) for n in range(1, left + logits + 2)]
    assert {p["steps"] for p in progress} == {left + logits + 1}
    done = worker_api.finish_finetune(False, seconds=4.25)
    assert done["seconds"] == 4.25 and done["phases"]["deform"] > 0  # the wait the worker timed; the images not made ahead
    assert worker_api._session.model is not before and worker_api._session.calibration.ready
    monkeypatch.setattr(worker_api, "EVAL_CHUNK", 128)  # the test split's 300 images in 3 chunks
    assert not worker_api.measure_tuned_chunk(0.0)["done"]
    # A Stop sent while the page still said "learning" arrives during the measure: the model before answers, as it was.
    undone = worker_api.call("abandon_tuned")
    assert undone["stopped"] is True and undone["model"]["source"] == {"kind": "saved", "id": "mine"}
    assert worker_api._session.model is before and worker_api._session.measuring is None and worker_api._session.tuning is None
    assert "finetuned" not in before.metadata


def test_digits_files_round_trip_and_hostile_ones_are_refused(session):
    images, labels = _own_digits(3)
    data = worker_api.call("export_digits", {"images": images, "labels": labels})["bytes"]
    back = worker_api.call("import_digits", {"data": data.tobytes(), "name": "mine.npz"})
    assert np.array_equal(back["images"], images) and np.array_equal(back["labels"], labels)
    refused = worker_api.call("import_digits", {"data": b"PK\x03\x04 nonsense", "name": "evil.npz"})["failure"]
    assert refused["kind"] == "DigitsFileError" and "evil.npz" in refused["message"]


def test_the_fast_preset_is_the_page_recipe_and_its_checkpoints_reach_the_page(session, monkeypatch):
    page = worker_api._page_recipe("fast")
    settings = worker_api.recipes()["presets"]["fast"]
    assert (settings["batch"], settings["lr"], settings["epochs"]) == (page.batch_size, page.lr, page.epochs)
    monkeypatch.setitem(worker_api.PAGE_OVERRIDES, "fast", {**worker_api.PAGE_OVERRIDES["fast"], "validate_every": 300})
    _load_all_shards(session)
    started = worker_api.start_run(_config(train_size=1_000, epochs=1))["started"]
    assert started["validate_every"] == 300
    assert worker_api._session.trainer.recipe.schedule == page.schedule  # the form's fields replace only their own
    checkpoints, epochs = [], []
    while True:
        chunk = worker_api.call("train_chunk", {"seconds": 5.0})
        checkpoints += chunk["checkpoints"]
        epochs += chunk["epochs"]
        if chunk["progress"]["done"]:
            break
    # batch 64: the last step before 300, 600 and 900 samples; 960 ends the epoch
    assert [c["samples_seen"] for c in checkpoints] == [256, 576, 896]
    assert all(set(c) == set(worker_api.EVENTS["checkpoint"]) for c in checkpoints)
    assert checkpoints[0]["epoch"] == pytest.approx(0.256) and epochs[0]["samples_seen"] == 960


def test_a_first_epoch_shorter_than_validate_every_promises_no_checkpoints(session, monkeypatch):
    monkeypatch.setitem(worker_api.PAGE_OVERRIDES, "fast", {**worker_api.PAGE_OVERRIDES["fast"], "validate_every": 300})
    _load_all_shards(session)
    assert worker_api.start_run(_config(train_size=123))["started"]["validate_every"] is None  # 2 steps of 64: 128 samples
    assert worker_api.start_run(_config(train_size=1_000))["started"]["validate_every"] == 300


def _train_until(predicate, seconds=0.0, limit=10_000):
    for _ in range(limit):
        chunk = worker_api.train_chunk(seconds)
        if predicate(chunk):
            return chunk
    raise AssertionError("the run never got there")


def test_a_run_diverging_before_any_epoch_leaves_the_model_from_before_it(session):
    """The weights a step before a blow-up are as good as random: they answered the pad after such a run."""
    _load_all_shards(session)
    before = modelio.model_to_bytes(Model(Sequential.mlp([784, 16, 10], "he", np.random.default_rng(0), "float32")))
    worker_api.import_model(before, {"kind": "uploaded", "name": "mine.npz"})
    model, source = worker_api._session.model, dict(worker_api._session.source)
    worker_api.start_run(_config(optimizer="sgd", lr=1e4, epochs=2))
    chunk = _train_until(lambda chunk: chunk["diverged"] or chunk["progress"]["done"])
    assert chunk["diverged"].startswith("Training diverged at epoch 1") and "answered before the run answers again" in chunk["diverged"]
    assert worker_api._session.trainer is None
    assert worker_api._session.model is model and worker_api._session.source == source


def test_a_run_diverging_after_an_epoch_answers_with_that_epochs_model(session):
    _load_all_shards(session)
    worker_api.start_run(_config(epochs=3))
    _train_until(lambda chunk: chunk["epochs"])
    epoch_end = [p.copy() for p, _ in worker_api._session.trainer.model.network.parameters()]
    worker_api.train_chunk(0.0)  # a step of the second epoch: the weights move on
    for parameter, _ in worker_api._session.trainer.model.network.parameters():
        parameter[...] = np.inf  # the next step blows up
    chunk = _train_until(lambda chunk: chunk["diverged"] or chunk["progress"]["done"])
    assert "Its model after epoch 1 answers the drawing pad" in chunk["diverged"]
    assert worker_api._session.source == {"kind": "trained", "diverged": True}
    kept = [p for p, _ in worker_api._session.model.network.parameters()]
    assert all(np.array_equal(a, b) for a, b in zip(kept, epoch_end))
    assert worker_api._session.model.metadata["epochs_completed"] == 1
