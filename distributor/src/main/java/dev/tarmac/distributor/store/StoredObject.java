package dev.tarmac.distributor.store;

/**
 * What a write stored: the key, its size in bytes and the sha256 (lowercase hex) of its content.
 */
public record StoredObject(String key, long size, String sha256) {}
