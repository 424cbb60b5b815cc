package dev.tarmac.deploy.release;

import dev.tarmac.deploy.DeployException;

/** A release or rollback ended FAILED; the record (in the store too) says where and why. */
public class ReleaseFailedException extends DeployException {
  private final ReleaseRecord record;

  public ReleaseFailedException(ReleaseRecord record) {
    super(record.error());
    this.record = record;
  }

  public ReleaseRecord record() {
    return record;
  }
}
