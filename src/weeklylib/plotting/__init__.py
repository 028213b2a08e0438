"""Plot functions, one submodule per area.

Every ``plot_*`` function draws on an Axes (``ax=``, or the current one) and
returns it; none of them saves.  Save with :func:`weeklylib.save_figure`.
"""
