/** Deliveries of the whole org. */
import { Link } from '../../router';
import { Empty } from '../../ui/states';

export function DeliveriesPage() {
  return (
    <section>
      <div class="page-head">
        <h1>Deliveries</h1>
      </div>
      <Empty title="Open a run to see its webhook deliveries">
        <p>
          Each run's page lists its deliveries with every attempt. <Link href="/app/runs">Go to Runs</Link>
        </p>
      </Empty>
    </section>
  );
}
