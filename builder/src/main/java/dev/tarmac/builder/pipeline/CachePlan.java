package dev.tarmac.builder.pipeline;

import dev.tarmac.builder.sandbox.BuildCache;

/** What a build keeps for its app's next one: the service's cache and this build's use of it. */
record CachePlan(BuildCache cache, BuildCache.Plan plan) {}
