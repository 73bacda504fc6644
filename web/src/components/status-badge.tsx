/** A coloured pill for an event, record, account or integration status. */
export function StatusBadge(props: { status: string | null | undefined; testId?: string }) {
  const status = props.status ?? 'unknown';
  return (
    <span className={`badge badge-${status.replace(/[^a-z_]/gi, '')}`} data-testid={props.testId}>
      {status.replace(/_/g, ' ')}
    </span>
  );
}
