#!/usr/bin/env python3
"""The user agent of the peer tests (tests/integration/peer.rs): opens URL as a browser would with a
logged-in test person: follows redirects with cookies and submits the provider's logout confirmation
form ("Yes, sign me out"). Stops at the first answer that is neither a redirect nor that form, e.g. the
client's loopback page. Loopback only: it refuses any other host.

Usage: browser.py URL
"""
import html.parser
import sys
import urllib.error
import urllib.parse
import urllib.request
import http.cookiejar


class Form(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.action, self.fields = None, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post":
            self.action = a.get("action")
        elif tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def loopback(url):
    host = urllib.parse.urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"browser.py: refusing a non-loopback URL: {url}")


def main():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    url, data = sys.argv[1], None
    for _ in range(30):
        loopback(url)
        try:
            response = opener.open(urllib.request.Request(url, data=data), timeout=10)
            status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as e:
            status, headers, body = e.code, e.headers, e.read()
        if status in (301, 302, 303, 307) and headers.get("location"):
            url, data = urllib.parse.urljoin(url, headers["location"]), None
            continue
        form = Form()
        form.feed(body.decode("utf-8", "replace"))
        if form.action and "xsrf" in form.fields and data is None:
            form.fields["logout"] = "yes"
            url = urllib.parse.urljoin(url, form.action)
            data = urllib.parse.urlencode(form.fields).encode()
            continue
        return
    sys.exit("browser.py: too many redirects")


main()
