/** An on/off switch (a real checkbox underneath, so it is keyboard- and screen-reader-friendly). */
export function Toggle(props: { checked: boolean; onChange: (checked: boolean) => void; label: string; testId?: string; hideLabel?: boolean }) {
  return (
    <label className="toggle">
      <input type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} data-testid={props.testId} aria-label={props.label} />
      <span className="toggle-track" aria-hidden="true" />
      {props.hideLabel ? null : <span>{props.label}</span>}
    </label>
  );
}
