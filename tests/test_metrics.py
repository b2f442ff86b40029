"""The confusion matrix the CLI prints and the page draws."""
import numpy as np

from mlp_core.metrics import confusion_matrix


def test_rows_are_true_labels_and_columns_predictions():
    matrix = confusion_matrix(np.array([3, 3, 1, 0], dtype=np.uint8), np.array([3, 8, 1, 0]))
    assert matrix.shape == (10, 10) and matrix.dtype == np.int32 and matrix.sum() == 4
    assert matrix[3, 3] == matrix[3, 8] == matrix[1, 1] == matrix[0, 0] == 1
    assert np.trace(matrix) == 3  # the correct predictions


def test_repeated_pairs_are_all_counted():
    matrix = confusion_matrix([2] * 5, [7] * 5)  # np.add.at, not fancy-index +=, which would count one
    assert matrix[2, 7] == 5
