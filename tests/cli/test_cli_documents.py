"""`qa add`, `qa list` and `qa delete` as a user runs them: real processes on an index of their own."""

import json

from tests.builders import assert_one_line_error, run_qa

COURIER = {"title": "快递小哥入会", "text": "北京市邮政快递业工会吸纳快递员入会。今年有三千名快递员入会。",
           "date": "2021-11-03", "source": "courier"}


def test_add_list_and_delete_documents(tmp_path, backend):
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "books.txt").write_text("职工书屋\n\n全市建成职工书屋一百家。\n", encoding="gbk")
    (folder / "health.html").write_text("<h1>劳模免费体检</h1><p>体检项目共计21项。</p>", encoding="utf-8")
    (folder / "batch.jsonl").write_text(json.dumps(COURIER, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "photo.txt").write_bytes(b"\x00\x01\x02" * 20)
    data = str(tmp_path / "data")
    added = run_qa("add", str(folder), "--data-dir", data, "--quiet")
    assert added.returncode == 0, added.stderr
    assert "indexed 3 new or changed files" in added.stdout and "photo.txt: binary" in added.stderr
    again = run_qa("add", str(folder / "books.txt"), "--data-dir", data, "--quiet")
    assert "indexed 0 new or changed files" in again.stdout and "1 unchanged" in again.stdout

    listed = [json.loads(line) for line in run_qa("list", "--json", "--data-dir", data).stdout.splitlines()]
    assert sorted(item["source"] for item in listed) == ["books.txt", "courier", "health.html"]
    assert [item["date"] for item in listed if item["source"] == "courier"] == ["2021-11-03"]
    courier = run_qa("list", "--source", "courier", "--data-dir", data).stdout.splitlines()
    assert len(courier) == 1 and courier[0].split("\t")[1:] == ["2021-11-03", "courier", "快递小哥入会"]

    doc_id = courier[0].split("\t")[0]
    deleted = run_qa("delete", doc_id, "--data-dir", data)
    assert deleted.returncode == 0 and deleted.stdout.strip() == f"deleted {doc_id}"
    assert run_qa("list", "--source", "courier", "--data-dir", data).stdout == ""
    answer = json.loads(run_qa("ask", "有多少名快递员入会？", "--json", "-k", "10", "--data-dir", data).stdout)
    assert doc_id not in json.dumps(answer)
    assert_one_line_error(run_qa("delete", doc_id, "--data-dir", data), f"no document with id {doc_id}")


def test_add_needs_a_path():
    result = run_qa("add")
    assert result.returncode == 2 and "paths" in result.stderr
