"""Fixtures for the web app: one live server per module, and real mp4 videos of a moving target."""

from __future__ import annotations

import pytest

from tests.web.helpers import LiveServer, write_target_video


@pytest.fixture(scope="module")
def server(tmp_path_factory, target_video):
    """A live server with a 1 MB upload limit and one sample clip, `walk.mp4`."""
    clips = tmp_path_factory.mktemp("clips")
    (clips / "walk.mp4").write_bytes(target_video[0].read_bytes())
    live = LiveServer(max_upload_mb=1.0, clips_dir=clips)
    yield live
    live.close()


@pytest.fixture(scope="session")
def target_video(tmp_path_factory):
    """(path, true boxes) of a 40-frame 320x240 mp4."""
    return write_target_video(tmp_path_factory.mktemp("web-video"))


@pytest.fixture(scope="session")
def flipped_video(tmp_path_factory):
    """The same clip mirrored left-right: a second, different target path."""
    return write_target_video(tmp_path_factory.mktemp("web-video-flipped"), flip=True)
