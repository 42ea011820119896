"""Reading a long list the way a person does: the table's rows, and the "« Precedente" /
"Successiva »" links followed one page after another."""

import re
from html import unescape

_BODY = re.compile(r"<tbody>(.*?)</tbody>", re.S)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
_LINK = re.compile(r'<a class="page-link" href="([^"]*)" rel="(prev|next)">')


def column(page, index):
    """The text of cell ``index`` (from 0) of each row of the page's table."""
    body = _BODY.search(page)
    if body is None:
        return []
    return [unescape(re.sub(r"<[^>]+>", "", _CELL.findall(row)[index])).strip() for row in _ROW.findall(body.group(1))]


def page_link(page, rel):
    """Where the "prev" or "next" link of the page leads (its query string), or None without one."""
    links = {found_rel: unescape(href) for href, found_rel in _LINK.findall(page)}
    return links.get(rel)


def walk(client, url, rel, cell):
    """Each page's ``cell`` column from ``url`` on, following the ``rel`` link ("next" or "prev")
    until there is none, and the URL of the page the walk ended on."""
    path = url.split("?")[0]
    pages = []
    while True:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        page = response.content.decode()
        pages.append(column(page, cell))
        target = page_link(page, rel)
        if target is None:
            return pages, url
        url = path + target


def walk_both_ways(client, url, cell):
    """The pages of a list read forwards from ``url`` through "Successiva", and read back from the
    last one through "Precedente" (put back in forward order)."""
    forwards, last = walk(client, url, "next", cell)
    backwards, _ = walk(client, last, "prev", cell)
    return forwards, backwards[::-1]
