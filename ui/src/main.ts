// Entry point of the field app's screens: mounts the app frame with the shell's backend.
import { mount } from 'svelte';
import App from './App.svelte';
import { shell } from './lib/shell';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target, props: { backend: shell } });
