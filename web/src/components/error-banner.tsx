import { ApiError, errorMessage } from '../api.js';

/** Shows a failed call's message (and its code, which support can search for). */
export function ErrorBanner(props: { error: unknown }) {
  if (props.error === undefined || props.error === null) return null;
  const code = props.error instanceof ApiError ? props.error.code : undefined;
  return (
    <div className="banner banner-error" role="alert">
      {errorMessage(props.error)}
      {code ? <span className="muted"> ({code})</span> : null}
    </div>
  );
}
