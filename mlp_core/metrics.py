"""Scores of a model's predictions, shared by the CLI and the page."""
import numpy as np

from .mnist import NUM_CLASSES


def confusion_matrix(labels, predictions, classes=NUM_CLASSES):
    """(classes, classes) counts: row = true label, column = predicted label."""
    matrix = np.zeros((classes, classes), dtype=np.int32)  # int32: what the page reads (Int32Array)
    np.add.at(matrix, (np.asarray(labels, dtype=np.intp), np.asarray(predictions, dtype=np.intp)), 1)
    return matrix
