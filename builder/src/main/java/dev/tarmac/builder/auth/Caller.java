package dev.tarmac.builder.auth;

import jakarta.enterprise.context.RequestScoped;

/** The token of the request being served, set by the API's authentication filter. */
@RequestScoped
public class Caller {
  private Token token;
  private Sessions.Session session;

  public void set(Token token) {
    this.token = token;
  }

  /** A dashboard request: the signed-in session and its token. */
  public void set(Sessions.Session session) {
    this.session = session;
    this.token = session.token();
  }

  /** The dashboard session of this request, if it came with one. */
  public java.util.Optional<Sessions.Session> session() {
    return java.util.Optional.ofNullable(session);
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
