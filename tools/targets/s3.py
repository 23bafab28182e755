"""S3 (kind ``s3``) through boto3, AWS or any S3-compatible store by ``endpoint_url``: each table as one
object ``<prefix>/<table>.<ext>`` written by Doppel's export writers, uploaded when the table ends.

``insert`` refuses an object that exists (naming it); ``upsert`` and ``replace`` overwrite. Keys recorded
are the object keys; ``unload`` deletes exactly those. boto3's own retries (standard mode, ``attempts``)
cover throttling and 5xx answers; a connection that cannot be made is retried here as well.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.redact import redact
from tools.targets.base import TargetError, TargetInfo
from tools.targets.config import S3Target, TargetConfig
from tools.targets.folder import FileStore, TableFiles
from tools.targets.registry import OpenContext, target_kind
from tools.targets.retry import Caller, Transient


class Bucket(FileStore):
    config: S3Target

    def __init__(self, config: S3Target, context: OpenContext) -> None:
        import boto3
        from botocore.config import Config

        self.config = config
        self.caller = Caller(config, context.sleep)
        secret = config.secret_access_key.get_secret_value() if config.secret_access_key else None
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=config.endpoint_url,
            region_name=config.region,
            aws_access_key_id=config.access_key_id,
            aws_secret_access_key=secret,
            config=Config(retries={"max_attempts": config.attempts, "mode": "standard"}, connect_timeout=10),
        )
        self.files = TableFiles(config.format)
        self.existed: set[str] = set()

    def key(self, name: str) -> str:
        prefix = self.config.prefix.strip("/")
        return f"{prefix}/{name}" if prefix else name

    def report(self) -> TargetInfo:
        return TargetInfo(name=self.config.label, kind="s3", where=self.config.where(), identity=self.config.identity())

    def _call(self, what: str, fn: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

        def attempt() -> Any:
            try:
                return fn()
            except EndpointConnectionError as exc:
                raise Transient(str(exc)) from None
            except NoCredentialsError:
                raise TargetError(
                    f"{self.config.label}: no AWS credentials: set access_key_id and secret_access_key "
                    f"([targets.{self.config.label}] or DOPPEL_TARGETS__{self.config.label.upper()}__...) or AWS_*"
                ) from None
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                raise TargetError(
                    f"{self.config.label}: {what}: {code or 'refused'} ({redact(str(exc))[:200]})"
                ) from None
            except BotoCoreError as exc:
                raise Transient(f"{type(exc).__name__}") from None

        return self.caller.run(what, attempt)

    def _exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        def head() -> bool:
            try:
                self.client.head_object(Bucket=self.config.bucket, Key=key)
                return True
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return False
                raise

        return bool(self._call(f"looking for {key}", head))

    def check(self) -> None:
        self._call(f"opening bucket {self.config.bucket}", lambda: self.client.head_bucket(Bucket=self.config.bucket))

    def place(self, name: str) -> str:
        return f"s3://{self.config.bucket}/{self.key(name)}"

    def exists(self, name: str) -> bool:
        return self._exists(self.key(name))

    def publish(self, made: Path) -> tuple[str, int]:
        key, body = self.key(made.name), made.read_bytes()
        self._call(f"uploading {key}", lambda: self.client.put_object(Bucket=self.config.bucket, Key=key, Body=body))
        return key, self.caller.take_retried()

    def remove(self, key: str) -> bool:
        if not self._exists(key):
            return False
        self._call(f"deleting {key}", lambda: self.client.delete_object(Bucket=self.config.bucket, Key=key))
        return True


@target_kind(S3Target)
def open_s3(config: TargetConfig, context: OpenContext) -> Bucket:
    assert isinstance(config, S3Target)
    return Bucket(config, context)
