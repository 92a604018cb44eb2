"""The product's settings with one extra URL: the framework floor the API is compared with."""

from truce.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.floor_urls"
