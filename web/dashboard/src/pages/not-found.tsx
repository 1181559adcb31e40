import { Link } from '../router';

export function NotFoundPage() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>There is no page at this address. It may have moved, or the link is incomplete.</p>
      <p>
        <Link href="/app/runs">Go to Runs</Link>
      </p>
    </section>
  );
}
