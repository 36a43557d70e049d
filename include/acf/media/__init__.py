"""Multimodal production: script, visuals, voice, render, thumbnails."""
