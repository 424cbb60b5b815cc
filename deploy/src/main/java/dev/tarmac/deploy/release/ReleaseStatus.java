package dev.tarmac.deploy.release;

/** Where a release is: DESIGN.md's statuses, in the order they happen. */
public enum ReleaseStatus {
  PREPARING,
  ACTIVATING,
  LIVE,
  FAILED,
  ROLLED_BACK;

  public boolean finished() {
    return this != PREPARING && this != ACTIVATING;
  }
}
