"""Static files: content-hashed names for a long browser cache, without breaking ``make run``.

After ``collectstatic`` (the Docker image runs it) every file has a hashed name in the manifest
and WhiteNoise serves it with ``Cache-Control: max-age=315360000, public, immutable``; a changed
file gets a new name, so the long cache is safe. Without ``collectstatic`` (a developer's
``make run`` with WHITENOISE_USE_FINDERS) the plain name is used and cached briefly.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # not collected: serve the plain name (WhiteNoise finds it by finders)
            return name
