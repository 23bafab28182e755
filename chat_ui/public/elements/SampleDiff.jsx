// Before/after sample rows: sample cells as their character shapes (never a real value), synthetic cells
// as made; cells that differ are highlighted.
export default function SampleDiff() {
  const columns = props.columns || [];
  const changed = new Set(props.changed || []);
  const table = (rows, label, mark) => (
    <div className="mb-2 overflow-x-auto">
      <div className="text-xs font-semibold">{label}</div>
      <table className="text-xs border-collapse">
        <thead>
          <tr>{columns.map((c) => <th key={c} className="border px-1 text-left">{c}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td
                  key={c}
                  data-changed={mark && changed.has(`${i}:${c}`) ? "yes" : "no"}
                  className={`border px-1 ${mark && changed.has(`${i}:${c}`) ? "bg-yellow-200 text-black" : ""}`}
                >
                  {row[c] == null ? "" : String(row[c])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  return (
    <div className="doppel-sample-diff">
      {table(props.before || [], `${props.table}: sample (shapes)`, false)}
      {table(props.after || [], `${props.table}: synthetic`, true)}
    </div>
  );
}
