"""The four publishing Connections pointing at their stand-ins, as ``AIRFLOW_CONN_*`` values (JSON).

The stand-ins' own credentials: YouTube and TikTok take ``*-access-1`` and refresh with ``*-refresh-1``;
Instagram and Facebook exchange ``fb-long-lived-1`` with the app id and secret.
"""
from __future__ import annotations

import json

KB = 1024


def connections(youtube, tiktok, instagram, facebook, *, expires_at: str,
                accounts: tuple[str, str, str, str] = ("channel-1", "creator-1", "ig-main", "page-1"),
                youtube_chunk: int = 256 * KB) -> dict[str, str]:
    yt_account, tt_account, ig_account, fb_account = accounts

    def conn(conn_type: str, host: str, login: str, password: str, **extra) -> str:
        return json.dumps({"conn_type": conn_type, "host": host, "login": login, "password": password, "extra": extra})

    return {
        "AIRFLOW_CONN_ACF_YOUTUBE_UPLOAD": conn(
            "acf_youtube_upload", youtube.url + "/", "cid", "csecret", access_token="yt-access-1",
            refresh_token="yt-refresh-1", token_uri=f"{youtube.url}/token", token_expires_at=expires_at,
            account=yt_account, chunk_size=youtube_chunk),
        "AIRFLOW_CONN_ACF_TIKTOK": conn("acf_tiktok", tiktok.url, "ck", "csecret", access_token="tt-access-1",
                                        refresh_token="tt-refresh-1", token_expires_at=expires_at, account=tt_account),
        "AIRFLOW_CONN_ACF_INSTAGRAM": conn("acf_instagram", f"{instagram.url}/v21.0", "app-id", "app-secret",
                                           access_token="fb-long-lived-1", ig_user_id=instagram.ig_user_id,
                                           account=ig_account),
        "AIRFLOW_CONN_ACF_FACEBOOK": conn("acf_facebook", f"{facebook.url}/v21.0", "app-id", "app-secret",
                                          access_token="fb-long-lived-1", page_id=facebook.page_id, account=fb_account),
    }
