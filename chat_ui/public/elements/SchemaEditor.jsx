import { useEffect, useState } from "react";

// The schema editor: tables, fields, generator types and parameters, relations (type: ref) and edge-case
// rules as Doppel's YAML, checked on the server as you type; each problem names its field and line.
export default function SchemaEditor() {
  const [text, setText] = useState(props.text || "");
  const [issues, setIssues] = useState([]);
  const [checked, setChecked] = useState(false);
  const [types, setTypes] = useState([]);
  const [name, setName] = useState(props.name || "my_schema");

  useEffect(() => {
    fetch("/doppel/generators", { credentials: "include" })
      .then((r) => (r.ok ? r.json() : []))
      .then(setTypes)
      .catch(() => setTypes([]));
  }, []);

  useEffect(() => {
    const timer = setTimeout(() => {
      fetch("/doppel/schema/check", {
        method: "POST",
        credentials: "include",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text }),
      })
        .then((r) => r.json())
        .then((found) => { setIssues(found.issues || []); setChecked(true); })
        .catch(() => setIssues([{ path: "", message: "could not check the schema", line: null }]));
    }, 300);
    return () => clearTimeout(timer);
  }, [text]);

  const errors = issues.filter((i) => i.kind !== "conflict").length;
  return (
    <div className="doppel-schema-editor flex w-full flex-col gap-2 text-sm">
      <div className="flex items-center gap-2">
        <label htmlFor="schema-name">Name</label>
        <input id="schema-name" className="rounded border px-1 bg-transparent" value={name}
               onChange={(e) => setName(e.target.value)} />
        <span data-schema-status={errors ? "invalid" : "valid"} className={errors ? "text-red-500" : "text-green-600"}>
          {!checked ? "checking…" : errors ? `${errors} problem${errors > 1 ? "s" : ""}` : "schema is valid"}
        </span>
      </div>
      <textarea aria-label="schema" spellCheck={false} value={text} onChange={(e) => setText(e.target.value)}
                style={{ height: "24rem" }} className="w-full rounded border bg-transparent p-2 font-mono text-xs" />
      <ul className="text-xs" aria-label="schema problems">
        {issues.map((i, n) => (
          <li key={n} className={i.kind === "conflict" ? "text-amber-600" : "text-red-500"}>
            {i.line ? `line ${i.line}: ` : ""}{i.path ? `${i.path}: ` : ""}{i.message}
          </li>
        ))}
      </ul>
      <div className="flex gap-2">
        <button className="rounded border px-2 py-1" disabled={errors > 0}
                onClick={() => callAction({ name: "schema_save", payload: { text, name } })}>Save schema</button>
        <button className="rounded border px-2 py-1" disabled={errors > 0}
                onClick={() => callAction({ name: "schema_run", payload: { text, name } })}>Generate from schema</button>
      </div>
      {types.length > 0 && (
        <details className="text-xs">
          <summary>Generator types and their parameters</summary>
          <ul>{types.map((t) => <li key={t.type}><b>{t.type}</b>: {t.parameters.join(", ") || "no parameters"}</li>)}</ul>
        </details>
      )}
    </div>
  );
}
