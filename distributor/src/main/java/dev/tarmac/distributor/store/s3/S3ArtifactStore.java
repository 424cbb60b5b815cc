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
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
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

  private final MinioClient client;
  private final String bucket;
  private final String where;

  public S3ArtifactStore(S3Settings settings) {
    this.client =
        MinioClient.builder()
            .endpoint(settings.endpoint().toString())
            .region(settings.region())
            .credentials(settings.accessKey(), settings.secretKey())
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
    return write(key, content, Map.of("If-None-Match", "*"));
  }

  @Override
  public StoredObject putIfAbsent(String key, InputStream content, Map<String, String> headers) {
    Map<String, String> all = new java.util.LinkedHashMap<>(headers);
    all.put("If-None-Match", "*");
    return write(key, content, all);
  }

  private StoredObject write(String key, InputStream content, Map<String, String> headers) {
    StoreKeys.check(key);
    Hashing.CountingDigestStream in = new Hashing.CountingDigestStream(content);
    try {
      Map<String, String> rest = new java.util.LinkedHashMap<>(headers);
      String type = rest.remove("Content-Type");
      PutObjectArgs.Builder args =
          PutObjectArgs.builder().bucket(bucket).object(key).headers(rest).stream(
              in, null, PART_SIZE);
      if (type != null) {
        args.contentType(type);
      }
      client.putObject(args.build());
      return new StoredObject(key, in.count(), in.sha256Hex());
    } catch (ErrorResponseException e) {
      if (e.response().code() == 412 || "PreconditionFailed".equals(e.errorResponse().code())) {
        throw new StoreConflictException(key);
      }
      throw failure("write", key, e);
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

  private static boolean isNotFound(ErrorResponseException e) {
    String code = e.errorResponse().code();
    return e.response().code() == 404 || "NoSuchKey".equals(code) || "NoSuchObject".equals(code);
  }

  private StoreException failure(String action, String key, Exception e) {
    return new StoreException(
        "cannot " + action + " " + key + " in " + where + ": " + e.getMessage(), e);
  }
}
