"""Fixtures for the web app: live servers running the real seat_lite, and real videos of a moving target."""

from __future__ import annotations

import shutil

import pytest

from seattrack.loading import load_tracker
from seattrack.web.app import shared_tracker_factory
from tests.web.helpers import CHROMIUM_ARGS, LiveServer, PausingTracker, open_page, write_target_video


@pytest.fixture(scope="session")
def seat_lite():
    """The shipped model, loaded once; every server's trackers share its network."""
    return load_tracker("seat_lite")


@pytest.fixture(scope="module")
def server(seat_lite):
    """A live server on the real model at full speed, with a 1 MB upload limit and the bundled sample clip."""
    live = LiveServer(shared_tracker_factory(seat_lite), max_upload_mb=1.0)
    yield live
    live.close()


@pytest.fixture(scope="module")
def paused_server(seat_lite, tmp_path_factory, target_video):
    """A live server whose runs pause for 1.5 s before frame 4, so tests can act mid-run; sample clip `walk.mp4`."""
    clips = tmp_path_factory.mktemp("clips")
    (clips / "walk.mp4").write_bytes(target_video[0].read_bytes())
    live = LiveServer(lambda: PausingTracker(seat_lite, at_frame=4, pause_s=1.5), max_upload_mb=1.0, clips_dir=clips)
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


FAKE_CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]  # chromium's test camera


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Playwright (skipped when it is not installed; never `playwright install`)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS + FAKE_CAMERA_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """The app in a new browser page, on the full-speed server."""
    page = open_page(browser, server)
    yield page
    page.close()


@pytest.fixture
def paused_page(browser, paused_server):
    """The app in a new browser page, on the server whose runs pause before frame 4."""
    page = open_page(browser, paused_server)
    yield page
    page.close()
