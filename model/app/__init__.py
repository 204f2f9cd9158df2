"""The interactive explorer: a Mesa SolaraViz page to move levers and watch the shares.

``settings`` maps the page's controls to a ``Scenario`` (pure, no Solara), ``save`` writes
the page's what-if as a scenario file, ``charts`` draws the figures, ``explorer_model`` is
the Mesa model the page steps, ``components`` and ``page`` are the Solara user interface,
``assets`` caches the page's JavaScript and CSS for machines without CDN access, and
``server`` serves the page to this machine's own browser pages only.
"""
