import type { ReactNode } from 'react';

/** A labelled form control with an optional hint and an inline error. */
export function Field(props: { label: string; htmlFor?: string; hint?: ReactNode; error?: string | null; children: ReactNode }) {
  return (
    <div className={`field${props.error ? ' has-error' : ''}`}>
      <label htmlFor={props.htmlFor}>{props.label}</label>
      {props.children}
      {props.hint ? <div className="hint">{props.hint}</div> : null}
      {props.error ? (
        <div className="field-error" role="alert">
          {props.error}
        </div>
      ) : null}
    </div>
  );
}
