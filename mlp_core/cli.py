"""Command line: ``python -m mlp_core train|evaluate|finetune``."""
import argparse
import json
import sys
import time

import numpy as np

from .data import MNIST_DIR_ENV, load_mnist, split_validation
from .fast import FusedAdamW
from .finetune import DEFAULT_STRENGTH, STRENGTHS
from .metrics import confusion_matrix
from .modelio import ModelFileError, load_model, save_model
from .recipes import DEFAULT_RECIPE, RECIPES
from .trainer import Trainer

MNIST_HELP = f"folder holding the four MNIST IDX files (default: ${MNIST_DIR_ENV})"
PROGRESS_STEPS = 20  # minibatch steps between progress-bar updates


def train(args):
    recipe = RECIPES[args.recipe]
    overrides = {"epochs": args.epochs, "seed": args.seed, "train_size": args.train_size}
    recipe = recipe.replace(**{k: v for k, v in overrides.items() if v is not None})
    mnist = load_mnist(args.mnist)
    train_x, train_y, val_x, val_y = split_validation(mnist["train_x"], mnist["train_y"], recipe.validation_size)
    # FusedAdamW, like the build: nn.AdamW's update (tests/test_fast.py) at ~12% more steps/s in CPython.
    trainer = Trainer(recipe, train_x, train_y, val_x, val_y, adamw=FusedAdamW)
    emit = (lambda obj: print(json.dumps(obj), flush=True)) if args.json else None
    if not args.json:
        print(f"recipe {recipe.name}: {len(trainer.train_x)} training images, "
              f"{0 if val_x is None else len(val_x)} validation, {recipe.epochs} epochs, batch {trainer.batch_size}")
    bar = None
    started = time.perf_counter()
    while not trainer.done:
        if bar is None and not args.json:
            from tqdm import tqdm  # the tutorial's progress bars; only the CLI needs tqdm

            bar = tqdm(total=trainer.steps_per_epoch, desc=f"epoch {trainer.epoch + 1}/{recipe.epochs}", leave=False)
        before = trainer.step
        # Never run past the end of the epoch, so each bar counts its own epoch's steps only.
        left_in_epoch = trainer.steps_per_epoch - trainer.step % trainer.steps_per_epoch
        progress = trainer.run(max_steps=min(PROGRESS_STEPS, left_in_epoch))
        if bar is not None:
            bar.update(progress["step"] - before)
        for result in progress["epoch_results"]:
            if bar is not None:
                bar.close()
                bar = None
            test_acc = trainer.model.accuracy(mnist["test_x"], mnist["test_y"])
            report_epoch(result, test_acc, emit)
        if progress["diverged"]:
            if bar is not None:
                bar.close()
            print(progress["diverged"], file=sys.stderr)
    final = {
        "event": "done",
        "recipe": recipe.name,
        "epochs_completed": trainer.epoch,
        "test_acc": trainer.model.accuracy(mnist["test_x"], mnist["test_y"]),
        "train_seconds": round(trainer.train_seconds, 3),
        "wall_seconds": round(time.perf_counter() - started, 3),
        "diverged": trainer.diverged,
        "model": None,
    }
    if args.out:
        save_model(trainer.model, args.out)
        final["model"] = str(args.out)
    if emit:
        emit(final)
    else:
        saved = f", model saved to {args.out}" if args.out else ""
        print(f"test accuracy {final['test_acc']:.4f} after {trainer.epoch} epochs "
              f"({final['train_seconds']:.1f} s training){saved}")
    return 1 if trainer.diverged else 0


def report_epoch(result, test_acc, emit):
    if emit:
        emit({"event": "epoch", **result, "test_acc": test_acc})
        return
    val = "-" if result["val_acc"] is None else f"{result['val_acc']:.4f}"
    print(f"epoch {result['epoch']:3d}  loss {result['loss']:.4f}  train {result['train_acc']:.4f}  "
          f"val {val}  test {test_acc:.4f}  ({result['seconds']:.1f} s)", flush=True)


def evaluate(args):
    model = load_model(args.model)
    mnist = load_mnist(args.mnist)
    matrix = confusion_matrix(mnist["test_y"], model.predict(mnist["test_x"] / np.float32(255)))
    test_acc = float(np.trace(matrix) / matrix.sum())
    if args.json:
        print(json.dumps({"model": str(args.model), "sizes": model.sizes, "test_acc": test_acc, "confusion": matrix.tolist()}))
        return 0
    print(f"model {args.model}: sizes {model.sizes}, test accuracy {test_acc:.4f}")
    print("confusion matrix (rows: true digit, columns: predicted)")
    print("      " + "".join(f"{d:6d}" for d in range(10)))
    for digit, row in enumerate(matrix):
        print(f"{digit:6d}" + "".join(f"{n:6d}" for n in row))
    return 0


def finetune(args):
    from .digitsio import digits_from_bytes
    from .finetune import REPLAY_IMAGES, Finetune, hold_out, keep_report, newly_misread, training_calibration

    model = load_model(args.model)
    with open(args.digits, "rb") as file:
        images, labels = digits_from_bytes(file.read(), source=args.digits)
    mnist = load_mnist(args.mnist)
    teach, held = hold_out(labels) if args.hold_out else (np.arange(len(labels)), np.array([], dtype=np.intp))
    run = Finetune(model, images[teach], labels[teach], mnist["train_x"][:REPLAY_IMAGES], mnist["train_y"][:REPLAY_IMAGES],
                   np.random.default_rng(args.seed), strength=args.strength, steps=args.steps)
    started = time.perf_counter()
    while not run.done:
        run.run()
    seconds = time.perf_counter() - started
    if run.trainer.diverged:
        raise ValueError(run.trainer.diverged)
    run.calibrate(training_calibration(mnist["train_x"], mnist["train_y"]))
    tuned = run.model
    tuned.metadata["test_accuracy"] = tuned.accuracy(mnist["test_x"], mnist["test_y"])
    keep_report(tuned, {"taught": len(teach), "held_out": len(held), "seconds": round(seconds, 3),
                        "taught_read_before": model.accuracy(images[teach], labels[teach]),
                        "taught_read_after": tuned.accuracy(images[teach], labels[teach]),
                        "own_before": model.accuracy(images[held], labels[held]) if len(held) else None,
                        "own_after": tuned.accuracy(images[held], labels[held]) if len(held) else None,
                        "mnist_before": model.accuracy(mnist["test_x"], mnist["test_y"]),
                        "mnist_after": tuned.metadata["test_accuracy"],
                        "mnist_lost": newly_misread(mnist["test_y"], *(m.predict(mnist["test_x"] / np.float32(255)) for m in (model, tuned)))})
    result = {"digits": len(labels), "steps": run.steps, "strength": run.strength, **tuned.metadata["finetuned"]["report"]}
    save_model(tuned, args.out)
    if args.json:
        print(json.dumps({**result, "model": str(args.out)}))
        return 0
    print(f"fine-tuned ({run.strength}) on {len(teach)} of your {len(labels)} digits in {run.steps} steps ({seconds:.1f} s), saved to {args.out}")
    print(f"your {len(teach)} digits it learned from, read as labelled: {result['taught_read_before']:.3f} -> {result['taught_read_after']:.3f}")
    print(f"MNIST test: {result['mnist_before']:.4f} -> {result['mnist_after']:.4f}"
          + "".join(f"; {n} of its {digit}s now read as {read}" for digit, read, n in result["mnist_lost"]))
    if len(held):
        print(f"your {len(held)} held-out digits: {result['own_before']:.3f} -> {result['own_after']:.3f}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m mlp_core", description="Train and evaluate the MNIST MLP.")
    commands = parser.add_subparsers(dest="command", required=True)
    train_cmd = commands.add_parser("train", help="train a recipe on MNIST")
    train_cmd.add_argument("--recipe", choices=sorted(RECIPES), default=DEFAULT_RECIPE)
    train_cmd.add_argument("--epochs", type=int, help="override the recipe's number of epochs")
    train_cmd.add_argument("--train-size", type=int, help="use only the first N training images")
    train_cmd.add_argument("--seed", type=int, help="override the recipe's seed")
    train_cmd.add_argument("--out", help="save the trained model to this .npz file")
    train_cmd.add_argument("--mnist", metavar="DIR", help=MNIST_HELP)
    train_cmd.add_argument("--json", action="store_true", help="print one JSON object per epoch and a final one")
    train_cmd.set_defaults(handler=train)
    eval_cmd = commands.add_parser("evaluate", help="test accuracy and confusion matrix of a saved model")
    eval_cmd.add_argument("model", help="a .npz model file")
    eval_cmd.add_argument("--mnist", metavar="DIR", help=MNIST_HELP)
    eval_cmd.add_argument("--json", action="store_true", help="print one JSON object")
    eval_cmd.set_defaults(handler=evaluate)
    tune_cmd = commands.add_parser("finetune", help="teach a saved model your own digits (MNIST replayed meanwhile)")
    tune_cmd.add_argument("model", help="a .npz model file")
    tune_cmd.add_argument("digits", help="a .npz digits file (uint8 arrays images (N, 784) and labels (N,), as the page downloads it)")
    tune_cmd.add_argument("--out", required=True, help="save the tuned model to this .npz file")
    tune_cmd.add_argument("--strength", choices=list(STRENGTHS), default=DEFAULT_STRENGTH,
                          help="how firmly to follow your digits: firm reads your other shapes better, at more of MNIST's cost "
                               "(mlp_core.finetune.STRENGTHS)")
    tune_cmd.add_argument("--steps", type=int, help="minibatch steps (default: the strength's)")
    tune_cmd.add_argument("--seed", type=int, default=0)
    tune_cmd.add_argument("--hold-out", action="store_true", help="keep every 5th digit of each label out of training and report on it")
    tune_cmd.add_argument("--mnist", metavar="DIR", help=MNIST_HELP)
    tune_cmd.add_argument("--json", action="store_true", help="print one JSON object")
    tune_cmd.set_defaults(handler=finetune)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (OSError, ModelFileError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
