"""What a person chooses in acf_production's Params form about voice and captions.

Plain constants, no imports: the DAG file reads them when it is parsed.
"""
CAPTION_STYLES = ("chunked", "word")   # whole short lines | the same lines, the spoken word highlighted
MIN_WPM, DEFAULT_WPM, MAX_WPM = 110, 165, 240   # voice_speed: words per minute of the local voices
