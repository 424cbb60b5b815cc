package dev.tarmac.builder.service;

/**
 * A request the service refuses (400, 404, 409…), thrown by the services and the resources and
 * answered by the API as RFC 9457 {@code application/problem+json}. It lives here, beside the
 * services that throw it, so that {@code service} never imports {@code api} (docs/architecture.md,
 * "Packages").
 */
public class ApiProblem extends RuntimeException {
  private final int status;
  private final String title;

  public ApiProblem(int status, String title, String detail) {
    super(detail);
    this.status = status;
    this.title = title;
  }

  public static ApiProblem badRequest(String detail) {
    return new ApiProblem(400, "Bad request", detail);
  }

  public static ApiProblem notFound(String detail) {
    return new ApiProblem(404, "Not found", detail);
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }
}
