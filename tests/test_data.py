"""Tests of dynsr.data: image files (images.py), the data root and its checksums (root.py), benchmarks.

The tests that read the shared data root fail, never skip, when it is missing: it is present in CI.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

import dynsr.data.root as root
from dynsr.data.benchmarks import benchmark_names, cropped_name, load_benchmark, uncropped_name
from dynsr.data.images import GrayscaleImageWarning, ImageFormatError, image_size, load_rgb, modcrop, save_rgb
from dynsr.data.root import DataNotFoundError, dataset_dir, dataset_files, verify_dataset
from dynsr.paths import data_root


@pytest.fixture
def rgb() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (13, 17, 3), dtype=np.uint8)


# ----------------------------------------------------------------------------- load_rgb


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif"])
def test_load_rgb_reads_lossless_rgb_exactly(tmp_path, rgb: np.ndarray, suffix: str) -> None:
    path = tmp_path / f"image{suffix}"
    Image.fromarray(rgb).save(path)
    loaded = load_rgb(path)
    assert loaded.dtype == np.uint8 and loaded.shape == (13, 17, 3)
    np.testing.assert_array_equal(loaded, rgb)
    assert loaded.flags.writeable


def test_grayscale_is_an_error_by_default(tmp_path) -> None:
    path = tmp_path / "gray.png"
    Image.fromarray(np.zeros((8, 8), dtype=np.uint8)).save(path)
    with pytest.raises(ImageFormatError, match="grayscale.*allow_grayscale"):
        load_rgb(path)


def test_grayscale_allowed_warns_and_replicates(tmp_path) -> None:
    gray = np.random.default_rng(1).integers(0, 256, (9, 11), dtype=np.uint8)
    path = tmp_path / "gray.png"
    Image.fromarray(gray).save(path)
    with pytest.warns(GrayscaleImageWarning, match="replicating"):
        loaded = load_rgb(path, allow_grayscale=True)
    assert loaded.shape == (9, 11, 3) and loaded.dtype == np.uint8
    for channel in range(3):
        np.testing.assert_array_equal(loaded[:, :, channel], gray)


def _write_rgba(path, rgb):
    Image.fromarray(np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 128, np.uint8)], axis=2)).save(path)


def _write_16bit(path, rgb):
    image = Image.fromarray(rgb[:, :, 0].astype(np.uint16) * 257)
    assert image.mode == "I;16"
    image.save(path)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _raw_png(path, width: int, height: int, bit_depth: int, rows: bytes) -> None:
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 2, 0, 0, 0)  # colour type 2: RGB
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(rows)) + _png_chunk(b"IEND", b""))


def _write_16bit_rgb(path, rgb):
    """16-bit RGB, which Pillow opens as mode RGB keeping the high bytes: it must be refused, not cut to 8 bits."""
    deep = rgb.astype(">u2") * 257
    _raw_png(path, rgb.shape[1], rgb.shape[0], 16, b"".join(b"\0" + row.tobytes() for row in deep))
    with Image.open(path) as image:
        assert image.mode == "RGB"


def _write_palette(path, rgb):
    Image.fromarray(rgb).convert("P").save(path)


def _write_truncated(path, rgb):
    full = path.with_name("full.png")
    Image.fromarray(np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(full)
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _write_text(path, rgb):
    path.write_text("this is not a PNG\n")


@pytest.mark.parametrize(
    ("writer", "message"),
    [
        (_write_rgba, r"alpha channel \(mode RGBA\)"),
        (_write_16bit, r"I;16 image \(16-bit"),
        (_write_16bit_rgb, r"RGB;16 image \(16-bit"),
        (_write_palette, r"palette image \(mode P\)"),
        (_write_truncated, "truncated"),
        (_write_text, "not a readable image file"),
    ],
    ids=["rgba", "16bit", "16bit-rgb", "palette", "truncated", "text"],
)
def test_unusable_files_raise_image_format_error(tmp_path, rgb: np.ndarray, writer, message: str) -> None:
    path = tmp_path / "bad.png"
    writer(path, rgb)
    with pytest.raises(ImageFormatError, match=message) as info:
        load_rgb(path)
    assert str(path) in str(info.value)


def test_a_header_claiming_a_decompression_bomb_is_an_image_format_error(tmp_path) -> None:
    path = tmp_path / "bomb.png"
    _raw_png(path, 100_000, 100_000, 8, b"\0" * 300_001)
    for read in (load_rgb, image_size):
        with pytest.raises(ImageFormatError, match=r"bomb\.png claims more pixels than dynsr opens \(Image size \(10000000000 pixels\)"):
            read(path)


def test_image_size_reads_the_header_only(tmp_path, rgb: np.ndarray) -> None:
    Image.fromarray(rgb).save(tmp_path / "a.png")
    assert image_size(tmp_path / "a.png") == (13, 17)
    _raw_png(tmp_path / "lying.png", 4000, 3000, 8, b"\0" * 12_001)  # the pixel data of one row of 3000
    assert image_size(tmp_path / "lying.png") == (3000, 4000)


def test_missing_file_raises_file_not_found(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no image file"):
        load_rgb(tmp_path / "absent.png")
    with pytest.raises(FileNotFoundError):
        load_rgb(tmp_path)  # a folder is not an image file


# ----------------------------------------------------------------------------- save_rgb


@pytest.mark.parametrize("suffix", [".png", ".bmp"])
def test_save_rgb_round_trips_and_leaves_no_temporary_file(tmp_path, rgb: np.ndarray, suffix: str) -> None:
    path = tmp_path / "sub" / f"out{suffix}"
    save_rgb(path, rgb)
    np.testing.assert_array_equal(load_rgb(path), rgb)
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    save_rgb(path, rgb[::-1].copy())  # overwrite
    np.testing.assert_array_equal(load_rgb(path), rgb[::-1])
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_save_rgb_grayscale_round_trips(tmp_path, rgb: np.ndarray) -> None:
    path = tmp_path / "gray.png"
    save_rgb(path, rgb[:, :, 1])
    with pytest.warns(GrayscaleImageWarning):
        np.testing.assert_array_equal(load_rgb(path, allow_grayscale=True)[:, :, 2], rgb[:, :, 1])


def test_save_rgb_rejects_float_without_creating_the_file(tmp_path, rgb: np.ndarray) -> None:
    path = tmp_path / "float.png"
    with pytest.raises(TypeError, match="uint8"):
        save_rgb(path, rgb / 255.0)
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        save_rgb(path, np.zeros((4, 4, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match="format"):
        save_rgb(tmp_path / "image.unknownext", rgb)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- modcrop


def test_modcrop_crops_to_multiples(rgb: np.ndarray) -> None:
    image = np.random.default_rng(3).integers(0, 256, (37, 45, 3), dtype=np.uint8)
    for scale, shape in ((2, (36, 44)), (3, (36, 45)), (4, (36, 44))):
        cropped = modcrop(image, scale)
        assert cropped.shape == shape + (3,)
        np.testing.assert_array_equal(cropped, image[: shape[0], : shape[1]])  # bottom and right edges removed
    np.testing.assert_array_equal(modcrop(image[:, :, 0], 4), image[:36, :44, 0])
    np.testing.assert_array_equal(modcrop(image[:36, :44], 4), image[:36, :44])


def test_modcrop_rejects_images_too_small_for_the_scale() -> None:
    with pytest.raises(ImageFormatError, match="too small for x4"):
        modcrop(np.zeros((31, 64, 3), dtype=np.uint8), 4)  # 31 // 4 = 7 LR rows < 8
    assert modcrop(np.zeros((32, 64, 3), dtype=np.uint8), 4).shape == (32, 64, 3)
    with pytest.raises(ValueError, match="positive"):
        modcrop(np.zeros((32, 32)), 0)


# ----------------------------------------------------------------------------- data root


def test_dataset_dir_verifies_and_caches_checksums(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path))
    folder = dataset_dir("Set5")
    assert folder == data_root() / "benchmarks" / "Set5" / "HR"
    assert sorted(p.name for p in folder.iterdir()) == ["baby.png", "bird.png", "butterfly.png", "head.png", "woman.png"]
    cache = json.loads((tmp_path / "checksums.json").read_text(encoding="utf-8"))
    files = dataset_files("Set5")
    assert len(files) == 5
    for relative, digest in files.items():
        path = data_root() / relative
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        assert cache[str(path.resolve())] == [path.stat().st_size, path.stat().st_mtime_ns, digest]

    def no_hashing(path):
        raise AssertionError(f"re-hashed {path} although the cache is valid")

    monkeypatch.setattr(root, "_sha256", no_hashing)
    assert dataset_dir("Set5") == folder  # served from the cache


def _fake_root(tmp_path, monkeypatch, content: bytes, listed: bytes) -> None:
    data = tmp_path / "data"
    (data / "benchmarks" / "Set5" / "HR").mkdir(parents=True)
    (data / "benchmarks" / "Set5" / "HR" / "baby.png").write_bytes(content)
    digest = hashlib.sha256(listed).hexdigest()
    (data / "SHA256SUMS").write_text(f"{digest}  ./benchmarks/Set5/HR/baby.png\n", encoding="utf-8")
    monkeypatch.setenv("DYNSR_DATA_ROOT", str(data))
    monkeypatch.setenv("DYNSR_CACHE_DIR", str(tmp_path / "cache"))


def test_corrupt_file_raises_data_not_found_naming_the_fetch_script(tmp_path, monkeypatch) -> None:
    _fake_root(tmp_path, monkeypatch, content=b"corrupted bytes", listed=b"the original bytes")
    with pytest.raises(DataNotFoundError, match=r"does not match its SHA256SUMS.*scripts/fetch_data\.py --only Set5"):
        dataset_dir("Set5")
    assert isinstance(DataNotFoundError("x"), FileNotFoundError)


def test_matching_fake_root_verifies(tmp_path, monkeypatch) -> None:
    _fake_root(tmp_path, monkeypatch, content=b"the original bytes", listed=b"the original bytes")
    assert dataset_dir("Set5") == (tmp_path / "data" / "benchmarks" / "Set5" / "HR").resolve()
    # Changing the file afterwards (size and mtime change) is caught despite the cache.
    (tmp_path / "data" / "benchmarks" / "Set5" / "HR" / "baby.png").write_bytes(b"tampered, longer bytes")
    with pytest.raises(DataNotFoundError, match="does not match"):
        verify_dataset("Set5")


def test_full_verification_catches_a_change_that_kept_size_and_mtime(tmp_path, monkeypatch) -> None:
    _fake_root(tmp_path, monkeypatch, content=b"the original bytes", listed=b"the original bytes")
    verify_dataset("Set5")
    image = tmp_path / "data" / "benchmarks" / "Set5" / "HR" / "baby.png"
    stamp = image.stat()
    image.write_bytes(b"the ORIGINAL bytes")
    os.utime(image, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    verify_dataset("Set5")  # the implicit check trusts the cached (size, mtime): by design, it costs no hash
    with pytest.raises(DataNotFoundError, match="does not match"):
        verify_dataset("Set5", trust_cache=False)  # dynsr data verify
    with pytest.raises(DataNotFoundError, match="does not match"):
        verify_dataset("Set5")  # the stale cache entry is gone


def test_missing_pieces_raise_data_not_found(tmp_path, monkeypatch) -> None:
    _fake_root(tmp_path, monkeypatch, content=b"x", listed=b"x")
    with pytest.raises(DataNotFoundError, match="Set14 not found.*fetch_data"):
        dataset_dir("Set14")
    (tmp_path / "data" / "benchmarks" / "Set5" / "HR" / "baby.png").unlink()
    with pytest.raises(DataNotFoundError, match="is missing.*fetch_data"):
        dataset_dir("Set5")
    (tmp_path / "data" / "SHA256SUMS").unlink()
    with pytest.raises(DataNotFoundError, match="no SHA256SUMS.*fetch_data"):
        dataset_dir("Set5")


def test_unknown_dataset_name_raises_key_error() -> None:
    with pytest.raises(KeyError, match="Set6"):
        dataset_dir("Set6")
    with pytest.raises(KeyError, match="Set6"):
        load_benchmark("Set6")
    with pytest.raises(KeyError, match="unknown benchmark"):
        load_benchmark("T91")  # a data set, but not a benchmark


# ----------------------------------------------------------------------------- benchmarks


def test_load_benchmark_set14() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the grayscale warning is recorded, not leaked
        images = load_benchmark("Set14")
    assert len(images) == 14
    assert [image.name for image in images] == sorted(image.name for image in images)
    assert {image.name for image in images if image.was_grayscale} == {"bridge"}
    for image in images:
        assert image.pixels.dtype == np.uint8
        assert image.pixels.ndim == 3 and image.pixels.shape[2] == 3
    bridge = next(image.pixels for image in images if image.name == "bridge")
    np.testing.assert_array_equal(bridge[:, :, 0], bridge[:, :, 1])
    np.testing.assert_array_equal(bridge[:, :, 0], bridge[:, :, 2])
    baboon = next(image.pixels for image in images if image.name == "baboon")
    assert not np.array_equal(baboon[:, :, 0], baboon[:, :, 1])


def test_benchmark_names_are_the_load_order_and_crops_name_their_image() -> None:
    assert benchmark_names("Set14") == [image.name for image in load_benchmark("Set14")]
    assert len(benchmark_names("Urban100")) == 100 and benchmark_names("Urban100")[0] == "img_001"
    assert cropped_name("baby", 96) == "baby@c96" and uncropped_name("baby@c96") == "baby" == uncropped_name("baby")


def test_load_benchmark_limit_and_bsd100_numeric_order() -> None:
    images = load_benchmark("BSD100", limit=3)
    assert len(images) == 3
    stems = sorted(int(p.name.split(".")[0]) for p in (data_root() / "benchmarks" / "BSD100" / "HR").iterdir())
    assert [int(image.name) for image in images] == stems[:3]
