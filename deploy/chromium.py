"""Headless Chromium, driven over the DevTools protocol through a pipe (`--remote-debugging-
pipe`: no port to find, no package to install): open a page, wait until a script says it
is ready, read its DOM, take a screenshot of a part of it; and the DOM read as a tree of
`Element`s. `make docs-check` and `tests/test_docs_page.py` use it.

A screenshot is taken of the page's own coordinates (`captureBeyondViewport`), so it does
not depend on where the page scrolled to (Chromium's `--screenshot` catches the viewport
in the middle of Swagger UI's scroll to a deep link, blank).
"""

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from html.parser import HTMLParser

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,1000",
    "--remote-debugging-pipe",  # commands on fd 3, answers on fd 4, each ending with NUL
)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


def program():
    """Debian's `chromium`, or another name Chromium goes by; None when none is installed."""
    names = ("chromium", "chromium-browser", "google-chrome")
    return next(filter(None, map(shutil.which, names)), None)


class Chromium:
    """One headless Chromium with one page, in a profile of its own removed on close."""

    def __init__(self, timeout=30):
        self.timeout, self.sent, self.pending = timeout, 0, b""
        self.profile = tempfile.mkdtemp(prefix="syncapi-chromium-")
        commands, self.commands = os.pipe()
        self.answers, answers = os.pipe()

        def on_fds_3_and_4():  # in the child, before exec: duplicates are inheritable
            commands_copy, answers_copy = os.dup(commands), os.dup(answers)
            os.dup2(commands_copy, 3)
            os.dup2(answers_copy, 4)

        argv = [program(), *FLAGS, f"--user-data-dir={self.profile}"]
        self.process = subprocess.Popen(
            argv,
            preexec_fn=on_fds_3_and_4,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands)
        os.close(answers)
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.call("Browser.close", in_page=False)
        except (OSError, RuntimeError, TimeoutError):
            self.process.kill()
        self.process.wait(timeout=self.timeout)
        for fd in (self.commands, self.answers):
            os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    def call(self, method, in_page=None, **params):
        """A command's result (to the page once there is one, else to the browser)."""
        self.sent += 1
        message = {"id": self.sent, "method": method, "params": params}
        if in_page is not False and getattr(self, "session", None):
            message["sessionId"] = self.session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        answer = self._answer(self.sent)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def _answer(self, wanted):
        """The answer to command `wanted`; events and other answers are passed over."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            while b"\0" in self.pending:
                raw, self.pending = self.pending.split(b"\0", 1)
                message = json.loads(raw)
                if message.get("id") == wanted:
                    return message
            if select.select([self.answers], [], [], 0.5)[0]:
                chunk = os.read(self.answers, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium stopped")
                self.pending += chunk
        raise TimeoutError(f"Chromium did not answer within {self.timeout} s")

    def evaluate(self, expression):
        """The value of a script run in the page."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def open(self, url, ready):
        """Loads `url` afresh (a new hash alone would not reload) and waits until the script
        `ready` is true."""
        self.call("Page.navigate", url="about:blank")
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + self.timeout
        while not self.evaluate(ready):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url}: not ready within {self.timeout} s ({ready})")
            time.sleep(0.1)

    def html(self):
        return self.evaluate("document.documentElement.outerHTML")

    def screenshot(self, path, top, bottom, width=1280):
        """A PNG of the page from `top` to `bottom` (pixels of the page), `width` wide."""
        clip = {"x": 0, "y": top, "width": width, "height": bottom - top, "scale": 1}
        shot = self.call(
            "Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True
        )
        with open(path, "wb") as file:
            file.write(base64.b64decode(shot["data"]))
        return path


class Element:
    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children = tag, dict(attrs), []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def walk(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def find_all(self, tag=None, css_class=None, **attrs):
        return [
            element
            for element in self.walk()
            if (tag is None or element.tag == tag)
            and (css_class is None or css_class in element.classes())
            and all(element.attrs.get(name.replace("_", "-")) == v for name, v in attrs.items())
        ]

    def find(self, *args, **kwargs):
        found = self.find_all(*args, **kwargs)
        return found[0] if found else None

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class TreeBuilder(HTMLParser):
    """The DOM Chromium dumped, as `Element`s (the standard library parses HTML, no more)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs)
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html):
    builder = TreeBuilder()
    builder.feed(html)
    return builder.root
