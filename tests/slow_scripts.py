"""Browser tests: a page whose script is held back, as on a slow link."""


def before_the_script_runs(page, script, act) -> None:
    """Open the page again with `script` held back, as on a slow link, `act` while it is on its
    way (nothing listens for changes yet), then let it arrive."""
    held = []
    page.route(script, lambda route: held.append(route))  # routing also bypasses the cache
    page.goto(page.url, wait_until="commit")
    act()
    for _ in range(100):  # the script tag closes the page: its request may come after `act`
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    page.unroute(script)
