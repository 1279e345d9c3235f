"""Model state → what to draw: pictures, layouts, cell rows, words. Pure; no Textual here."""
