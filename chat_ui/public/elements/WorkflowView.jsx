import { useState } from "react";

// The workflow view: every agent's stage with its state, the records handed on, timings and success
// rates, updated live (the server updates these props on every event). Click a stage for its log,
// decisions and intermediate sample.
const COLOURS = {
  waiting: "bg-muted text-muted-foreground border-muted",
  active: "bg-blue-100 text-blue-900 border-blue-500 animate-pulse",
  done: "bg-green-100 text-green-900 border-green-600",
  skipped: "bg-gray-100 text-gray-500 border-gray-300",
  failed: "bg-red-100 text-red-900 border-red-600",
};

export default function WorkflowView() {
  const [open, setOpen] = useState(null);
  const stages = props.stages || [];
  const chosen = stages.find((s) => s.stage === open);
  return (
    <div className="doppel-workflow w-full">
      <div className="flex flex-wrap items-center gap-1">
        {stages.map((s, i) => (
          <div key={s.stage} className="flex items-center">
            <button
              data-stage={s.stage}
              data-state={s.state}
              onClick={() => setOpen(open === s.stage ? null : s.stage)}
              className={`rounded-md border-2 px-2 py-1 text-xs transition-all duration-500 ${COLOURS[s.state] || COLOURS.waiting}`}
              title={`${s.agent || ""} ${s.state}`}
            >
              <div className="font-semibold">{s.title}</div>
              <div>{s.state}{s.seconds != null ? ` · ${s.seconds.toFixed(1)}s` : ""}</div>
              {s.success_rate != null && <div>{Math.round(s.success_rate * 100)}% success</div>}
            </button>
            {i < stages.length - 1 && (
              <span className={`mx-1 text-xs ${s.state === "done" ? "text-green-700" : "text-muted-foreground"}`}>
                {s.records != null ? `${s.records.toLocaleString()} →` : "→"}
              </span>
            )}
          </div>
        ))}
      </div>
      {chosen && (
        <div className="mt-2 rounded-md border p-2 text-xs" data-details={chosen.stage}>
          <div className="font-semibold">{chosen.title} · {chosen.agent || "waiting"} · {chosen.state}</div>
          <pre className="whitespace-pre-wrap">{(chosen.log || []).join("\n") || "no log yet"}</pre>
          {chosen.decisions && chosen.decisions.length > 0 && (
            <table className="mt-1">
              <thead><tr><th>column</th><th>role</th><th>confidence</th><th>evidence</th></tr></thead>
              <tbody>
                {chosen.decisions.map((d) => (
                  <tr key={d.column}>
                    <td>{d.column}</td><td>{d.role}</td>
                    <td>{d.confidence != null ? `${Math.round(d.confidence * 100)}%` : ""}</td>
                    <td>{(d.evidence || []).join("; ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {chosen.sample && <div className="mt-1">sample: {chosen.sample.table}, {chosen.sample.after.length} rows</div>}
        </div>
      )}
    </div>
  );
}
