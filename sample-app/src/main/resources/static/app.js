// The queue-worker page: polls GET api/workflows every second and updates one row per
// workflow in place (so the progress bars animate); enqueue, cancel and resume are POSTs.
'use strict';

const rows = document.getElementById('workflows');
const message = document.getElementById('message');
const CANCELLABLE = ['ENQUEUED', 'PENDING'];
const RESUMABLE = ['CANCELLED', 'ERROR', 'DEAD_LETTER', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED'];

function say(text, isError) {
	message.textContent = text;
	message.className = isError ? 'error' : '';
}

async function post(url, body) {
	const response = await fetch(url, {
		method: 'POST',
		headers: body ? { 'Content-Type': 'application/json' } : {},
		body: body ? JSON.stringify(body) : undefined
	});
	const json = await response.json().catch(() => ({}));
	if (!response.ok) {
		throw new Error(json.message || ('HTTP ' + response.status));
	}
	return json;
}

function element(tag, className, text) {
	const node = document.createElement(tag);
	if (className) node.className = className;
	if (text !== undefined) node.textContent = text;
	return node;
}

function newRow(id) {
	const tr = element('tr');
	tr.dataset.workflowId = id;
	const idCell = element('td', 'id', id);
	idCell.title = id;
	idCell.appendChild(element('small', 'name'));
	const status = element('span', 'status');
	const bar = element('div', 'bar');
	bar.setAttribute('role', 'progressbar');
	bar.setAttribute('aria-valuemin', '0');
	bar.setAttribute('aria-valuemax', '100');
	bar.appendChild(element('div'));
	const progress = element('div', 'progress');
	progress.append(bar, element('span', 'count'));
	const cancel = element('button', 'small cancel', 'Cancel');
	const resume = element('button', 'small resume', 'Resume');
	cancel.type = resume.type = 'button';
	cancel.addEventListener('click', () => control(id, 'cancel', cancel));
	resume.addEventListener('click', () => control(id, 'resume', resume));
	const statusCell = element('td');
	statusCell.appendChild(status);
	const progressCell = element('td');
	progressCell.appendChild(progress);
	const actions = element('td', 'actions');
	actions.append(cancel, resume);
	tr.append(idCell, statusCell, progressCell, element('td', 'time'), actions);
	return tr;
}

function update(tr, workflow) {
	const total = workflow.num_steps || 0;
	const done = workflow.steps_completed;
	const percent = total > 0 ? Math.min(100, Math.round(100 * done / total)) : 0;
	tr.querySelector('.name').textContent = workflow.workflow_name;
	const status = tr.querySelector('.status');
	status.textContent = workflow.status;
	status.className = 'status ' + workflow.status;
	status.title = workflow.error || '';
	const bar = tr.querySelector('.bar');
	bar.className = 'bar ' + workflow.status;
	bar.setAttribute('aria-valuenow', String(percent));
	bar.firstChild.style.width = percent + '%';
	tr.querySelector('.count').textContent = done + ' / ' + (total || '?');
	tr.querySelector('.time').textContent = new Date(workflow.created_at).toLocaleTimeString();
	tr.querySelector('.cancel').disabled = !CANCELLABLE.includes(workflow.status);
	tr.querySelector('.resume').disabled = !RESUMABLE.includes(workflow.status);
}

function render(workflows) {
	if (workflows.length === 0) {
		rows.innerHTML = '<tr><td colspan="5" class="empty">No workflows yet: enqueue one.</td></tr>';
		return;
	}
	const existing = new Map([...rows.querySelectorAll('tr[data-workflow-id]')]
		.map((tr) => [tr.dataset.workflowId, tr]));
	const ordered = workflows.map((workflow) => {
		const tr = existing.get(workflow.workflow_id) || newRow(workflow.workflow_id);
		update(tr, workflow);
		return tr;
	});
	// replaceChildren moves the existing rows: their bars keep animating from where they were
	rows.replaceChildren(...ordered);
}

let refreshing = false;

async function refresh() {
	if (refreshing) return;
	refreshing = true;
	try {
		const response = await fetch('api/workflows');
		if (!response.ok) throw new Error('HTTP ' + response.status);
		render(await response.json());
	}
	catch (error) {
		rows.innerHTML = '<tr><td colspan="5" class="failure">Cannot reach the web server (' + error.message + ')</td></tr>';
	}
	finally {
		refreshing = false;
	}
}

async function control(id, action, button) {
	button.disabled = true;
	try {
		const workflow = await post('api/workflows/' + encodeURIComponent(id) + '/' + action);
		say((action === 'cancel' ? 'Cancelled ' : 'Resumed ') + id + ': ' + workflow.status);
	}
	catch (error) {
		say('Could not ' + action + ' ' + id + ': ' + error.message, true);
	}
	await refresh();
}

document.getElementById('enqueue-form').addEventListener('submit', async (event) => {
	event.preventDefault();
	const button = document.getElementById('enqueue');
	button.disabled = true;
	try {
		const numSteps = Number(document.getElementById('num-steps').value);
		const started = await post('api/workflows', { num_steps: numSteps });
		say('Enqueued ' + started.workflow_id + ' (' + numSteps + ' steps)');
		await refresh();
	}
	catch (error) {
		say('Could not enqueue: ' + error.message, true);
	}
	finally {
		button.disabled = false;
	}
});

refresh();
setInterval(refresh, 1000);
