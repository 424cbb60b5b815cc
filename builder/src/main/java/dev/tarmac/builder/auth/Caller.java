package dev.tarmac.builder.auth;

import jakarta.enterprise.context.RequestScoped;

/** The token of the request being served, set by the API's authentication filter. */
@RequestScoped
public class Caller {
  private Token token;

  public void set(Token token) {
    this.token = token;
  }

  public Token token() {
    if (token == null) {
      throw new IllegalStateException("no authenticated caller on this request");
    }
    return token;
  }

  public boolean present() {
    return token != null;
  }

  /** Who this caller is in the release history and on hosts: the token's name. */
  public String name() {
    return token().name();
  }
}
