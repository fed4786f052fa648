"""nets.data: the seeded datasets and the CSV loader."""

import numpy as np
import pytest

from nets.data import DATASETS, add_constant_feature, blobs, circles, load_csv, two_moons, xor
from nets.manual import batch_gradients, forward

NAMES = sorted(DATASETS)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("constant_feature", [False, True])
def test_shapes_dtypes_and_labels(name, constant_feature):
    X, y = DATASETS[name](101, seed=3, constant_feature=constant_feature)
    assert X.shape == (101, 3 if constant_feature else 2)
    assert y.shape == (101,)
    assert X.dtype == y.dtype == np.float64
    assert set(y.tolist()) == {0.0, 1.0}


@pytest.mark.parametrize("generate", [two_moons, circles, blobs])
def test_class_sizes_split_n_in_half(generate):
    _, y = generate(101, seed=0)
    assert (y == 0).sum() == 50
    assert (y == 1).sum() == 51


@pytest.mark.parametrize("name", NAMES)
def test_the_same_seed_gives_the_same_data(name):
    X1, y1 = DATASETS[name](50, seed=7, noise=0.2)
    X2, y2 = DATASETS[name](50, seed=7, noise=0.2)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize("name", NAMES)
def test_different_seeds_give_different_data(name):
    X1, _ = DATASETS[name](50, seed=1)
    X2, _ = DATASETS[name](50, seed=2)
    assert not np.array_equal(X1, X2)


def test_no_global_random_state_is_used():
    np.random.seed(0)
    before = np.random.random()
    np.random.seed(0)
    for generate in DATASETS.values():
        generate(20, seed=1)
    assert np.random.random() == before


@pytest.mark.parametrize("name", NAMES)
def test_constant_feature_is_a_last_column_of_ones(name):
    X, y = DATASETS[name](40, seed=5)
    X1, y1 = DATASETS[name](40, seed=5, constant_feature=True)
    assert (X1[:, -1] == 1.0).all()
    np.testing.assert_array_equal(X1[:, :-1], X)
    np.testing.assert_array_equal(y1, y)


def test_add_constant_feature():
    assert add_constant_feature([[2.0, 3.0], [4.0, 5.0]]).tolist() == [
        [2.0, 3.0, 1.0],
        [4.0, 5.0, 1.0],
    ]


def test_two_moons_without_noise_lies_on_the_standard_moons():
    X, y = two_moons(200, seed=0, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    # Upper moon: (cos t, sin t), t in [0, π]. Lower: (1 - cos t, 1 - sin t - 0.5).
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert (upper[:, 1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert (lower[:, 1] <= 0.5 + 1e-12).all()
    # The arcs run end to end: x from -1 to 1 (upper) and from 0 to 2 (lower).
    assert upper[:, 0].min() == pytest.approx(-1.0) and upper[:, 0].max() == pytest.approx(1.0)
    assert lower[:, 0].min() == pytest.approx(0.0) and lower[:, 0].max() == pytest.approx(2.0)


def test_two_moons_is_learnable_by_a_2_16_1_relu_net():
    X, y = two_moons(200, seed=0, noise=0.1, constant_feature=True)
    rng = np.random.default_rng(0)
    W, w = rng.normal(size=(3, 16)), rng.normal(size=16) / 4
    for _ in range(2000):
        dW, dw = batch_gradients(W, w, X, y, "logistic")
        W, w = W - 0.5 * dW, w - 0.5 * dw
    predictions = np.array([forward(W, w, x).r > 0 for x in X])
    assert np.mean(predictions == (y == 1)) >= 0.98


def test_circles_without_noise_have_radii_1_and_half():
    X, y = circles(60, seed=0, noise=0.0)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(*X[y == 1].T), 0.5)


def test_blobs_without_noise_sit_on_their_centres():
    X, y = blobs(10, seed=0, noise=0.0)
    assert X[y == 0].tolist() == [[-1.0, -1.0]] * 5
    assert X[y == 1].tolist() == [[1.0, 1.0]] * 5


def test_xor_without_noise_labels_differing_signs_1():
    X, y = xor(100, seed=0, noise=0.0)
    np.testing.assert_array_equal(y == 1, np.sign(X[:, 0]) != np.sign(X[:, 1]))
    assert (np.abs(X) <= 1).all()


@pytest.mark.parametrize(("n", "noise"), [(0, 0.1), (10, -0.1)])
def test_bad_arguments_are_rejected(n, noise):
    with pytest.raises(ValueError, match="must be"):
        two_moons(n, noise=noise)


# ---- CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["", "x1,x2,x3,label\n"])
def test_csv_round_trip(tmp_path, header):
    X, y = two_moons(30, seed=4, constant_feature=True)
    path = tmp_path / "moons.csv"
    rows = [",".join(repr(float(v)) for v in (*features, label)) for features, label in zip(X, y)]
    path.write_text(header + "\n".join(rows) + "\n")
    X_read, y_read = load_csv(path)
    np.testing.assert_array_equal(X_read, X)
    np.testing.assert_array_equal(y_read, y)


def test_csv_accepts_any_numeric_label_and_skips_blank_lines(tmp_path):
    path = tmp_path / "signed.csv"
    path.write_text("a,label\n\n1.5,-1\n 2 , 2.5 \n\n")
    X, y = load_csv(path)
    assert X.tolist() == [[1.5], [2.0]]
    assert y.tolist() == [-1.0, 2.5]


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        ("", 1, "no data rows"),
        ("\n\n", 3, "no data rows"),
        ("x1,x2,label\n", 2, "no data rows"),
        ("1,2,0\n3,abc,1\n", 2, "'abc'"),
        ("x1,x2,label\n1,2,0\n\n3,4\n", 4, "expected 3 cells, got 2"),
        ("1,2,0\n3,4,1,5\n", 2, "expected 3 cells, got 4"),
        ("1,2,0\n3,nan,1\n", 2, "'nan'"),
        ("1,2,0\n3,4,inf\n", 2, "column 3"),
        ("x1,2,label\n1,2,0\n", 1, "'x1'"),
        ("1\n2\n", 1, "two columns"),
        ("1,2,\n", 1, "column 3"),
    ],
)
def test_csv_errors_name_the_file_and_line(tmp_path, content, line, fragment):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(ValueError) as error:
        load_csv(path)
    message = str(error.value)
    assert str(path) in message
    assert f"line {line}:" in message
    assert fragment in message


def test_csv_missing_file_names_the_file(tmp_path):
    path = tmp_path / "missing.csv"
    with pytest.raises(ValueError, match="missing.csv"):
        load_csv(path)
