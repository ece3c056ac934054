// The page's entry: tabs, the shared model list (polled), and each view's start.
import { forgetKey } from './api.js';
import * as audio from './audio.js';
import * as chat from './chat.js';
import * as metrics from './metrics.js';
import * as models from './models.js';
import * as tryout from './tryout.js';

const views = { models, chat, tryout, audio, metrics };

function show(tab) {
    for (const button of document.querySelectorAll('#tabs button')) {
        button.classList.toggle('active', button.dataset.tab === tab);
    }
    for (const name of Object.keys(views)) {
        document.getElementById(`tab-${name}`).hidden = name !== tab;
    }
    for (const [name, view] of Object.entries(views)) {
        view.visible?.(name === tab);
    }
    history.replaceState(null, '', `#${tab}`);
}

function start() {
    for (const view of Object.values(views)) {
        view.init();
    }
    for (const button of document.querySelectorAll('#tabs button')) {
        button.addEventListener('click', () => show(button.dataset.tab));
    }
    document.getElementById('key-button').addEventListener('click', () => forgetKey());
    const wanted = location.hash.slice(1);
    show(views[wanted] ? wanted : 'models');
}

start();
