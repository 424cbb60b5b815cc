package dev.tarmac.distributor.store.s3;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.ByteRange;
import dev.tarmac.distributor.store.Hashing;
import dev.tarmac.distributor.store.ObjectInfo;
import dev.tarmac.distributor.store.StoreConflictException;
import dev.tarmac.distributor.store.StoreException;
import dev.tarmac.distributor.store.StoreKeys;
import dev.tarmac.distributor.store.StoreNotFoundException;
import dev.tarmac.distributor.store.StoredObject;
import io.minio.AbortMultipartUploadArgs;
import io.minio.BucketExistsArgs;
import io.minio.CompleteMultipartUploadArgs;
import io.minio.CreateMultipartUploadArgs;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.Http;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.UploadPartArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import io.minio.messages.Part;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The S3 store (minio-java): works with MinIO, AWS S3 and any S3-compatible service.
 * Create-if-absent is a conditional PUT ({@code If-None-Match: *}); signed URLs are S3 presigned
 * URLs, so servers download straight from the store.
 */
public final class S3ArtifactStore implements ArtifactStore {
  private static final long PART_SIZE = 16L * 1024 * 1024;

  /** Attempts of a conditional write that S3 answers with 409 ConditionalRequestConflict. */
  static final int CONFLICT_ATTEMPTS = 4;

  private final MinioClient client;
  // The multipart calls (create, upload part, complete) are public on the async client only.
  private final MinioAsyncClient parts;
  private final String bucket;
  private final String where;

  /**
   * One HTTP client for every store in the process: the S3 client library's default one reads every
   * certificate under {@code SSL_CERT_DIR} when it is made, seconds on a busy machine.
   */
  private static final class SharedHttp {
    static final okhttp3.OkHttpClient CLIENT = Http.newDefaultClient();
  }

  public S3ArtifactStore(S3Settings settings) {
    this.client =
        MinioClient.builder()
            .endpoint(settings.endpoint().toString())
            .region(settings.region())
            .credentials(settings.accessKey(), settings.secretKey())
            .httpClient(SharedHttp.CLIENT)
            .build();
    this.parts =
        MinioAsyncClient.builder()
            .endpoint(settings.endpoint().toString())
            .region(settings.region())
            .credentials(settings.accessKey(), settings.secretKey())
            .httpClient(SharedHttp.CLIENT)
            .build();
    this.bucket = settings.bucket();
    this.where = "bucket " + bucket + " at " + settings.endpoint();
  }

  /** Creates the bucket when it does not exist yet. */
  public S3ArtifactStore ensureBucket() {
    try {
      if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
        client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
      }
      return this;
    } catch (Exception e) {
      throw new StoreException(
          "cannot reach or create "
              + where
              + ": "
              + e.getMessage()
              + " (check tarmac.store.s3.endpoint and the keys)",
          e);
    }
  }

  @Override
  public StoredObject put(String key, InputStream content) {
    return write(key, content, Map.of());
  }

  @Override
  public StoredObject putIfAbsent(String key, InputStream content) {
    return writeIfAbsent(key, content, Map.of());
  }

  @Override
  public StoredObject putIfAbsent(String key, InputStream content, Map<String, String> headers) {
    return writeIfAbsent(key, content, headers);
  }

  /**
   * Create-if-absent on S3 (docs/configuration.md, "S3 servers differ"): {@code If-None-Match: *}
   * goes on the request that makes the object appear, which for an object of more than one part is
   * CompleteMultipartUpload — the S3 client library puts a request's headers on
   * CreateMultipartUpload only, where AWS S3 and S3Proxy ignore the condition, so a big object
   * replaced an existing one. 412 means another writer has the key; 409 ConditionalRequestConflict
   * (AWS S3, a concurrent conditional write in progress) is tried again, as AWS asks.
   */
  private StoredObject writeIfAbsent(String key, InputStream content, Map<String, String> headers) {
    StoreKeys.check(key);
    Hashing.CountingDigestStream in = new Hashing.CountingDigestStream(content);
    byte[] first;
    try {
      first = in.readNBytes((int) PART_SIZE + 1);
    } catch (java.io.IOException e) {
      throw failure("read what to write to", key, e);
    }
    if (first.length <= PART_SIZE) {
      for (int attempt = 1; ; attempt++) {
        try {
          Map<String, String> conditional = new java.util.LinkedHashMap<>(headers);
          conditional.put("If-None-Match", "*");
          putObject(key, new java.io.ByteArrayInputStream(first), (long) first.length, conditional);
          return new StoredObject(key, in.count(), in.sha256Hex());
        } catch (ErrorResponseException e) {
          if (isPreconditionFailed(e)) {
            throw new StoreConflictException(key);
          }
          if (!isConditionalConflict(e) || attempt >= CONFLICT_ATTEMPTS) {
            throw failure("write", key, e);
          }
          pause(attempt);
        } catch (Exception e) {
          throw failure("write", key, e);
        }
      }
    }
    if (exists(key)) { // saves uploading every part only to be refused at the end
      throw new StoreConflictException(key);
    }
    return writeParts(key, in, first, headers);
  }

  /** A multipart upload whose completion carries {@code If-None-Match: *}. */
  private StoredObject writeParts(
      String key, Hashing.CountingDigestStream in, byte[] first, Map<String, String> headers) {
    String uploadId;
    try {
      uploadId =
          await(
                  parts.createMultipartUpload(
                      CreateMultipartUploadArgs.builder()
                          .bucket(bucket)
                          .object(key)
                          .headers(objectHeaders(headers))
                          .build()))
              .result()
              .uploadId();
    } catch (Exception e) {
      throw failure("start a multipart upload of", key, e);
    }
    boolean completed = false;
    try {
      List<Part> sent = new ArrayList<>();
      byte[] chunk = java.util.Arrays.copyOf(first, (int) PART_SIZE);
      java.io.ByteArrayInputStream rest =
          new java.io.ByteArrayInputStream(first, (int) PART_SIZE, first.length - (int) PART_SIZE);
      int length = (int) PART_SIZE;
      while (length > 0) {
        int number = sent.size() + 1;
        sent.add(
            await(
                    parts.uploadPart(
                        UploadPartArgs.builder()
                            .bucket(bucket)
                            .object(key)
                            .uploadId(uploadId)
                            .partNumber(number)
                            .data(chunk, length)
                            .build()))
                .part());
        length = rest.readNBytes(chunk, 0, chunk.length);
        length += in.readNBytes(chunk, length, chunk.length - length);
      }
      Part[] all = sent.toArray(Part[]::new);
      for (int i = 0; i < all.length; i++) { // only number and ETag: no checksum was declared
        all[i] = new Part(all[i].partNumber(), all[i].etag());
      }
      try {
        await(
            parts.completeMultipartUpload(
                CompleteMultipartUploadArgs.builder()
                    .bucket(bucket)
                    .object(key)
                    .uploadId(uploadId)
                    .parts(all)
                    .extraHeaders(Map.of("If-None-Match", "*"))
                    .build()));
        completed = true;
      } catch (ErrorResponseException e) {
        if (isPreconditionFailed(e) || (isConditionalConflict(e) && exists(key))) {
          throw new StoreConflictException(key);
        }
        if (isConditionalConflict(e)) {
          throw new StoreException(
              "cannot write "
                  + key
                  + " in "
                  + where
                  + ": another conditional write to it was in progress and nothing was written;"
                  + " write it again",
              e);
        }
        throw e;
      }
      return new StoredObject(key, in.count(), in.sha256Hex());
    } catch (StoreException e) {
      throw e;
    } catch (Exception e) {
      throw failure("write", key, e);
    } finally {
      if (!completed) {
        abort(key, uploadId);
      }
    }
  }

  private void abort(String key, String uploadId) {
    try {
      await(
          parts.abortMultipartUpload(
              AbortMultipartUploadArgs.builder()
                  .bucket(bucket)
                  .object(key)
                  .uploadId(uploadId)
                  .build()));
    } catch (Exception e) {
      // the parts stay until the bucket's lifecycle rule for incomplete uploads removes them
    }
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> future) throws Exception {
    try {
      return future.get();
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof java.util.concurrent.CompletionException
          && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw e;
    }
  }

  private static void pause(int attempt) {
    try {
      Thread.sleep(50L << attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while writing to the store", e);
    }
  }

  private static Http.Headers objectHeaders(Map<String, String> headers) {
    Map<String, String> all = new java.util.LinkedHashMap<>(headers);
    all.putIfAbsent("Content-Type", "application/octet-stream");
    return new Http.Headers(all);
  }

  private void putObject(String key, InputStream in, Long size, Map<String, String> headers)
      throws Exception {
    Map<String, String> rest = new java.util.LinkedHashMap<>(headers);
    String type = rest.remove("Content-Type");
    PutObjectArgs.Builder args =
        PutObjectArgs.builder().bucket(bucket).object(key).headers(rest).stream(
            in, size, PART_SIZE);
    if (type != null) {
      args.contentType(type);
    }
    client.putObject(args.build());
  }

  private StoredObject write(String key, InputStream content, Map<String, String> headers) {
    StoreKeys.check(key);
    Hashing.CountingDigestStream in = new Hashing.CountingDigestStream(content);
    try {
      putObject(key, in, null, headers);
      return new StoredObject(key, in.count(), in.sha256Hex());
    } catch (Exception e) {
      throw failure("write", key, e);
    }
  }

  @Override
  public InputStream get(String key, ByteRange range) {
    StoreKeys.check(key);
    GetObjectArgs.Builder args = GetObjectArgs.builder().bucket(bucket).object(key);
    if (range.offset() > 0 || !range.toEnd()) {
      args.offset(range.offset());
      if (!range.toEnd()) {
        args.length(range.length());
      }
    }
    try {
      return client.getObject(args.build());
    } catch (ErrorResponseException e) {
      if (isNotFound(e)) {
        throw new StoreNotFoundException(key);
      }
      throw failure("read", key, e);
    } catch (Exception e) {
      throw failure("read", key, e);
    }
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    StoreKeys.check(key);
    try {
      var stat = client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
      return Optional.of(
          new ObjectInfo(
              key,
              stat.size(),
              stat.lastModified() == null ? null : stat.lastModified().toInstant()));
    } catch (ErrorResponseException e) {
      if (isNotFound(e)) {
        return Optional.empty();
      }
      throw failure("stat", key, e);
    } catch (Exception e) {
      throw failure("stat", key, e);
    }
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    StoreKeys.checkPrefix(prefix);
    List<ObjectInfo> found = new ArrayList<>();
    try {
      for (Result<Item> result :
          client.listObjects(
              ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
        Item item = result.get();
        if (!item.isDir()) {
          found.add(
              new ObjectInfo(
                  item.objectName(),
                  item.size(),
                  item.lastModified() == null ? null : item.lastModified().toInstant()));
        }
      }
    } catch (Exception e) {
      throw failure("list", prefix, e);
    }
    found.sort(Comparator.comparing(ObjectInfo::key));
    return found;
  }

  @Override
  public void delete(String key) {
    StoreKeys.check(key);
    try {
      client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
    } catch (Exception e) {
      throw failure("delete", key, e);
    }
  }

  @Override
  public URI signedGetUrl(String key, Duration ttl) {
    return presign(io.minio.Http.Method.GET, key, ttl);
  }

  @Override
  public URI signedPutUrl(String key, Duration ttl) {
    return presign(io.minio.Http.Method.PUT, key, ttl);
  }

  private URI presign(io.minio.Http.Method method, String key, Duration ttl) {
    StoreKeys.check(key);
    try {
      return URI.create(
          client.getPresignedObjectUrl(
              GetPresignedObjectUrlArgs.builder()
                  .method(method)
                  .bucket(bucket)
                  .object(key)
                  .expiry((int) Math.max(1, ttl.toSeconds()))
                  .build()));
    } catch (Exception e) {
      throw failure("sign a URL for", key, e);
    }
  }

  @Override
  public boolean servedByService() {
    return false;
  }

  /** 412 PreconditionFailed: the key exists (AWS S3, MinIO and S3Proxy all answer so). */
  private static boolean isPreconditionFailed(ErrorResponseException e) {
    return e.response().code() == 412 || "PreconditionFailed".equals(e.errorResponse().code());
  }

  /** 409 ConditionalRequestConflict: AWS S3 while another conditional write to the key runs. */
  private static boolean isConditionalConflict(ErrorResponseException e) {
    return "ConditionalRequestConflict".equals(e.errorResponse().code());
  }

  private static boolean isNotFound(ErrorResponseException e) {
    String code = e.errorResponse().code();
    return e.response().code() == 404 || "NoSuchKey".equals(code) || "NoSuchObject".equals(code);
  }

  private StoreException failure(String action, String key, Exception e) {
    String why = e.getMessage();
    if (e instanceof ErrorResponseException s3) { // the S3 code tells servers' answers apart
      why += " (" + s3.errorResponse().code() + ", HTTP " + s3.response().code() + ")";
    }
    return new StoreException("cannot " + action + " " + key + " in " + where + ": " + why, e);
  }
}
