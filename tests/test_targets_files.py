"""File targets: a local folder and S3 (moto's server, boto3 with an endpoint URL). Each table becomes one file
in the target's format; insert refuses a file that exists, upsert replaces it, unload removes exactly the
files a load wrote."""

from __future__ import annotations

import io
from pathlib import Path

import boto3
import pyarrow.parquet as pq

from tests.mock_support import S3_CREDENTIALS
from tests.targets_support import FAST, expected, generate, norm, settings_for
from tools.targets.dataset import read_dataset
from tools.targets.service import load_folder, unload_ref

BUCKET = "test-targets-files"


def test_folder_target_writes_each_table_refuses_overwrites_on_insert_and_unloads(tmp_path: Path) -> None:
    out = generate(tmp_path, "jsonl", customers=25, orders=60)
    folder = tmp_path / "delivered"
    settings = settings_for(tmp_path / "home", drop={"kind": "folder", "path": str(folder), "format": "parquet"})
    report = load_folder(out, ["drop"], settings, mode="insert")
    assert report.ok, report.summary()
    assert {t.table: t.loaded for t in report.targets[0].tables} == {"customers": 25, "orders": 60}
    assert sorted(p.name for p in folder.iterdir()) == ["customers.parquet", "orders.parquet"]
    assert expected(folder) == expected(out)  # the same rows, typed, in another format

    again = load_folder(out, ["drop"], settings, mode="insert")
    assert (
        not again.ok
        and "customers.parquet" in (again.targets[0].error or "")
        and "insert mode" in (again.targets[0].error or "")
    )
    replaced = load_folder(out, ["drop"], settings, mode="upsert")
    assert replaced.ok and {t.table: t.updated for t in replaced.targets[0].tables} == {"customers": 25, "orders": 60}

    (folder / "someone-elses.csv").write_text("a\n1\n", encoding="utf-8")
    _, undone = unload_ref(replaced.load_id, settings)
    assert undone.ok and undone.targets[0].removed == {"orders": 1, "customers": 1}
    assert [p.name for p in folder.iterdir()] == ["someone-elses.csv"]


def test_s3_target_through_boto3_and_an_endpoint_url(moto_s3: str, tmp_path: Path) -> None:
    s3 = boto3.client("s3", endpoint_url=moto_s3, **S3_CREDENTIALS)
    s3.create_bucket(Bucket=BUCKET)
    out = generate(tmp_path, "csv", customers=20, orders=40)
    target = {
        "kind": "s3",
        "bucket": BUCKET,
        "prefix": "shop/run-1",
        "endpoint_url": moto_s3,
        "region": S3_CREDENTIALS["region_name"],
        "access_key_id": S3_CREDENTIALS["aws_access_key_id"],
        "secret_access_key": S3_CREDENTIALS["aws_secret_access_key"],
        "format": "parquet",
        **FAST,
    }
    settings = settings_for(tmp_path / "home", lake=target)
    report = load_folder(out, ["lake"], settings, mode="insert")
    assert report.ok, report.summary()
    listed = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="shop/")["Contents"])
    assert listed == ["shop/run-1/customers.parquet", "shop/run-1/orders.parquet"]
    body = s3.get_object(Bucket=BUCKET, Key="shop/run-1/orders.parquet")["Body"].read()
    rows = pq.read_table(io.BytesIO(body)).to_pylist()
    want = expected(out)["orders"]
    assert {norm(r["id"]): {k: norm(v) for k, v in r.items()} for r in rows} == want
    assert report.targets[0].target.where == f"s3://{BUCKET}/shop/run-1 at {moto_s3}"

    refused = load_folder(out, ["lake"], settings, mode="insert")
    assert not refused.ok and f"s3://{BUCKET}/shop/run-1/customers.parquet" in (refused.targets[0].error or "")

    _, undone = unload_ref(report.load_id, settings)
    assert undone.ok and undone.targets[0].removed == {"orders": 1, "customers": 1}
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="shop/").get("KeyCount") == 0
    assert read_dataset(out).order == ["customers", "orders"]
