"""The OpenClaw session store, done better. Knows nothing of screens: no Textual, no Rich."""
