// The worker of one tab of tabs.html: serves the store its name says
// (see TabsVariant), the way an app's two-line worker does.
import { serveStore } from 'tidemark/worker';
import { parseVariant, storeOf } from './tabs.store';

const variant = parseVariant(self.name);
serveStore(storeOf(variant), { broadcast: variant !== 'trim-quiet' });
