"""The numeric core: population, network, monthly mechanisms, observation, the Mesa model."""

from .compile_cache import use_stamped_cache

use_stamped_cache()
