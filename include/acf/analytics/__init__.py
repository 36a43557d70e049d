"""Performance per post and platform, AI cost per piece, ROI."""
