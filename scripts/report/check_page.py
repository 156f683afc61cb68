#!/usr/bin/env python3
"""Opens the reviewer's page (Results/report/index.html) in headless Chromium, from the file
system as a reader would, and checks that every picture loaded and every expected section is
there. The page itself has no script: the check loads a copy beside it with one added script
that, once the page has loaded, writes what it found into the document, which Chromium then
dumps. Prints one JSON line {images, broken, sections, missing}; exit 0 when nothing is broken
or missing, 1 otherwise, 2 for bad input (no page, no Chromium).

  check_page.py PAGE [--sections id,id,...] [--screenshot PNG] [--chromium PATH]
"""
import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
                   .map(function (i) { return i.getAttribute('src'); });
  var sections = Array.prototype.slice.call(document.querySelectorAll('section')).map(function (s) { return s.id; });
  var pre = document.createElement('pre');
  pre.id = 'page-check';
  pre.textContent = JSON.stringify({images: imgs.length, broken: broken, sections: sections});
  document.body.appendChild(pre);
});
</script>"""


def chromium_args(exe, profile):
    return [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            "--allow-file-access-from-files", "--user-data-dir=" + profile]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("page")
    ap.add_argument("--sections", default="", help="comma-separated section ids that must be present")
    ap.add_argument("--screenshot", help="also save a screenshot of the page here")
    ap.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    a = ap.parse_args()
    if not os.path.isfile(a.page):
        print("check_page: no page at %s" % a.page, file=sys.stderr)
        return 2
    if not a.chromium:
        print("check_page: chromium is not installed (make deps installs it)", file=sys.stderr)
        return 2
    page = os.path.abspath(a.page)
    folder = os.path.dirname(page)
    text = open(page, encoding="utf-8").read()
    if "</body>" not in text:
        print("check_page: %s has no </body>" % a.page, file=sys.stderr)
        return 2
    probe_path = os.path.join(folder, ".check-%d-%s" % (os.getpid(), os.path.basename(page)))
    profile = tempfile.mkdtemp(prefix="check-page-chromium-")
    try:
        with open(probe_path, "w", encoding="utf-8") as f:
            f.write(text.replace("</body>", PROBE + "</body>", 1))
        out = subprocess.run(chromium_args(a.chromium, profile) + ["--virtual-time-budget=20000", "--dump-dom",
                             "file://" + probe_path], capture_output=True, text=True, timeout=180)
        m = re.search(r'<pre id="page-check">(.*?)</pre>', out.stdout, re.S)
        if not m:
            print("check_page: the page did not finish loading in Chromium (exit %d): %s"
                  % (out.returncode, out.stderr.strip().splitlines()[-1:] or ""), file=sys.stderr)
            return 1
        found = json.loads(html.unescape(m.group(1)))
        if a.screenshot:
            shot = os.path.abspath(a.screenshot)
            subprocess.run(chromium_args(a.chromium, profile) + ["--window-size=1280,1800", "--screenshot=" + shot,
                           "file://" + page], capture_output=True, text=True, timeout=180)
            if not os.path.isfile(shot):
                print("check_page: Chromium wrote no screenshot", file=sys.stderr)
                return 1
    finally:
        if os.path.exists(probe_path):
            os.unlink(probe_path)
        shutil.rmtree(profile, ignore_errors=True)
    wanted = [s for s in a.sections.split(",") if s]
    found["missing"] = [s for s in wanted if s not in found["sections"]]
    print(json.dumps(found))
    return 0 if not found["broken"] and not found["missing"] else 1


if __name__ == "__main__":
    sys.exit(main())
