"""DiffusersImageHook drives the real diffusers pipeline code on a tiny, randomly initialised model.

The model is built from configs (UNet, VAE, CLIP text encoder, a byte-level tokenizer) and saved
with save_pretrained, so loading, scheduling, denoising and decoding all run offline.
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from acf.media.http import ProviderError
from hooks.configured import media_client
from hooks.diffusers_image import DiffusersImageHook, fit_size
from stand_ins.openai import connection_env

pytestmark = pytest.mark.slow


def _byte_chars() -> list[str]:
    """GPT-2/CLIP byte-level alphabet: every byte as one printable character."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = [], 0
    for byte in range(256):
        if byte in printable:
            chars.append(chr(byte))
        else:
            chars.append(chr(256 + extra))
            extra += 1
    return chars


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    torch = pytest.importorskip("torch")
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    folder = tmp_path_factory.mktemp("tiny-sd")
    chars = _byte_chars()
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for ch in chars:
        vocab.setdefault(ch, len(vocab))
        vocab.setdefault(ch + "</w>", len(vocab))
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=16)
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16), layers_per_block=1, sample_size=8, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=16, attention_head_dim=2, norm_num_groups=4)
    vae = AutoencoderKL(block_out_channels=[8, 16], in_channels=3, out_channels=3, latent_channels=4,
                        down_block_types=["DownEncoderBlock2D"] * 2, up_block_types=["UpDecoderBlock2D"] * 2,
                        norm_num_groups=4)
    text_encoder = CLIPTextModel(CLIPTextConfig(
        bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_size=16, intermediate_size=32, num_attention_heads=2,
        num_hidden_layers=2, vocab_size=len(vocab), max_position_embeddings=16))
    pipeline = StableDiffusionPipeline(
        unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
        scheduler=DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                clip_sample=False, set_alpha_to_one=False),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipeline.save_pretrained(folder / "model")
    return folder / "model"


def test_fit_size_keeps_aspect_in_multiples_of_8():
    assert fit_size(1080, 1920, 768) == (432, 768)
    assert fit_size(64, 64, 768) == (64, 64)


def test_hook_generates_a_png_from_the_saved_pipeline(tiny_model, monkeypatch):
    monkeypatch.setenv(*connection_env("acf_diffusers", "acf_diffusers", str(tiny_model), "", steps=2,
                                       max_side=64, guidance=1.0))
    hook = media_client("image", "diffusers")
    assert isinstance(hook, DiffusersImageHook)
    data = hook.generate_image("a bright sun over the sea", 1080, 1920)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[:2] == (64, 32)                 # 9:16 fitted to max_side 64
    assert float(image.std()) > 1.0                    # random weights still draw something
    assert hook.test_connection()[0]


def test_missing_model_is_a_provider_error(tmp_path, monkeypatch):
    monkeypatch.setenv(*connection_env("acf_diffusers", "acf_diffusers", str(tmp_path / "nope"), ""))
    with pytest.raises(ProviderError, match="cannot load"):
        media_client("image", "diffusers").generate_image("x", 64, 64)
