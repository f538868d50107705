"""IKC's "Gaussian8" test LR images, made as IKC's ``generate_mod_blur_LR_bic.py`` makes them.

GLDFN Table II's Bicubic rows (GLDFN §IV-A "Setting 1", §IV-D, Table II) are numbers inherited from IKC
and DAN, computed on the Gaussian8 test sets that IKC's script generates (docs/decisions/gldfn.md, G1).
That script does not use MATLAB ``imresize``; it degrades the modcropped HR image this way:

1. the HR image divided by 255 in float32, blurred with a 21x21 isotropic Gaussian in float32 after
   ``nn.ReflectionPad2d(10)`` (IKC's ``SRMDPreprocessing`` / ``BatchBlur``; :func:`ikc_blur`);
2. converted to 8 bits by torchvision's ``to_pil_image``, i.e. ``tensor.mul(255).byte()``: a
   *truncation*, not a rounding (:func:`truncating_uint8`);
3. downsampled per channel by PIL's ``resize((W / s, H / s), Image.BICUBIC)`` (antialiased Keys cubic,
   a = -0.5, in PIL's fixed-point arithmetic; :func:`pil_bicubic_downsample`).

This is the one LR generator in dynsr that does not use :mod:`dynsr.degradations.bicubic`: it
exists only to reproduce those published bicubic cells (the ``ikc_gaussian8`` protocol of
:mod:`dynsr.experiments.bicubic`); the models' test LR images stay MATLAB-``imresize`` ones.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from PIL import Image

from dynsr.degradations.banded import single_torch_thread
from dynsr.degradations.blur import pad_image
from dynsr.degradations.kernels import isotropic_gaussian_kernel

__all__ = ["IKC_KERNEL_SIZE", "ikc_blur", "truncating_uint8", "pil_bicubic_downsample", "ikc_gaussian8_lr"]

IKC_KERNEL_SIZE = 21  # IKC's Gaussian8 kernels are 21x21, applied after nn.ReflectionPad2d(10)


def ikc_blur(hr: np.ndarray, sigma: float, *, size: int = IKC_KERNEL_SIZE) -> np.ndarray:
    """IKC's float32 blur of a uint8 image ``(H, W, C)``: ``conv2d(ReflectionPad2d(size // 2)(hr / 255), k)``.

    ``k`` is :func:`~dynsr.degradations.kernels.isotropic_gaussian_kernel` ``(size, sigma)`` cast to
    float32; the image is ``float32(hr) / 255`` and every product and sum is float32 (``torch.conv2d``
    on one CPU thread), so the result is IKC's to float32 rounding. Returns float32 ``(H, W, C)`` in
    [0, 1]. docs/decisions/gldfn.md, G1; GLDFN §IV-A (Setting 1, "Gaussian 8").
    """
    hr = np.asarray(hr)
    if hr.dtype != np.uint8 or hr.ndim != 3:
        raise ValueError(f"ikc_blur takes a uint8 (H, W, C) image; got {hr.dtype} {hr.shape}")
    radius = size // 2
    x = torch.from_numpy((hr.astype(np.float32) / np.float32(255.0)).transpose(2, 0, 1).copy())[:, None]  # (C, 1, H, W)
    kernel = torch.from_numpy(isotropic_gaussian_kernel(size, sigma).astype(np.float32))[None, None]  # (1, 1, k, k)
    with single_torch_thread():
        blurred = F.conv2d(pad_image(x, (radius, radius, radius, radius), "reflect"), kernel)  # (C, 1, H, W)
    return np.ascontiguousarray(blurred[:, 0].numpy().transpose(1, 2, 0))


def truncating_uint8(image: np.ndarray) -> np.ndarray:
    """torchvision ``to_pil_image``'s conversion of a float image in [0, 1]: ``image.mul(255).byte()``.

    The product is float32 (as for a float32 tensor) and the conversion truncates toward zero, so
    0.5 / 255 becomes 0 and 254.9 / 255 becomes 254 (a rounding would give 1 and 255). Values are
    clipped to [0, 255] first, which changes nothing for a blurred [0, 1] image (``byte()`` of an
    out-of-range value is undefined in torch). docs/decisions/gldfn.md, G1 (IKC's LR generation
    behind the Bicubic rows of GLDFN Table II, §IV-A Setting 1).
    """
    product = np.asarray(image, dtype=np.float32) * np.float32(255.0)
    return np.trunc(np.clip(product, 0.0, 255.0)).astype(np.uint8)


def pil_bicubic_downsample(image: np.ndarray, scale: int) -> np.ndarray:
    """PIL ``Image.BICUBIC`` resize of a uint8 ``(H, W)`` or ``(H, W, C)`` image to ``(H // s, W // s)``, one channel at a time.

    As IKC's ``b_GPUVar_Bicubic`` does it (each channel a PIL ``'L'`` image); PIL's bicubic is
    antialiased (the kernel stretched by ``s``), a = -0.5, computed in fixed point, so it differs from
    MATLAB ``imresize`` by a few grey levels. docs/decisions/gldfn.md, G1 (GLDFN §IV-A Setting 1, Table II).
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"pil_bicubic_downsample takes a uint8 (H, W[, C]) image; got {image.dtype} {image.shape}")
    if int(scale) != scale or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale}")
    height, width = image.shape[0] // int(scale), image.shape[1] // int(scale)
    planes = image[..., None] if image.ndim == 2 else image
    out = np.stack(
        [np.asarray(Image.fromarray(np.ascontiguousarray(planes[..., c]), "L").resize((width, height), Image.Resampling.BICUBIC))
         for c in range(planes.shape[2])],
        axis=-1,
    )
    return out[..., 0] if image.ndim == 2 else out


def ikc_gaussian8_lr(hr: np.ndarray, sigma: float, scale: int) -> np.ndarray:
    """The uint8 LR image ``(H / s, W / s, C)`` of a modcropped uint8 HR image, as IKC's Gaussian8 script makes it.

    :func:`ikc_blur` (float32, reflection padding 10, 21x21 Gaussian of width ``sigma``), then
    :func:`truncating_uint8`, then :func:`pil_bicubic_downsample`. docs/decisions/gldfn.md, G1; GLDFN
    §IV-A (Setting 1) and Table II.
    """
    hr = np.asarray(hr)
    if hr.shape[0] % scale or hr.shape[1] % scale:
        raise ValueError(f"modcrop the HR image to a multiple of {scale} first; got {hr.shape[:2]}")
    return pil_bicubic_downsample(truncating_uint8(ikc_blur(hr, sigma)), scale)
